"""Every documented `ordering` of the incident list pages through every incident exactly once, in order,
forwards (`next`) and backwards (`previous`), over ties and NULLs; unknown orderings are a 400."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from core.tests.paging import assert_pages_through, expected_order, walk
from incidents import selectors
from incidents.api.views import IncidentViewSet
from incidents.models import Level
from incidents.tests.factories import IncidentFactory, incident_in_state

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"
FIELDS = IncidentViewSet.ordering_fields
ORDERINGS = [term for field in FIELDS for term in (field, f"-{field}")]
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def rows(agent, service):
    """Eleven incidents full of ties (several filed in the same frozen instant with the same priority,
    so equal created_at, updated_at, priority and SLA due time) and NULLs (cancelled ones have no running
    clock, so no sla_due_at). Returns {id: {field: value}} as the database holds it."""
    filed = [(T0, Level.MEDIUM, Level.MEDIUM)] * 4 + [(T0, Level.HIGH, Level.MEDIUM)] * 3
    filed += [(T0 + timedelta(minutes=5), Level.HIGH, Level.HIGH)]
    for at, impact, urgency in filed:
        with time_machine.travel(at, tick=False):
            IncidentFactory(reporter=agent, service=service, impact=impact, urgency=urgency)
    for impact in (Level.MEDIUM, Level.MEDIUM, Level.HIGH):
        with time_machine.travel(T0, tick=False):
            incident_in_state("cancelled", reporter=agent, service=service, impact=impact, urgency=impact)
    values = {row["id"]: row for row in selectors.incident_list().values("id", *FIELDS)}
    due = [row["sla_due_at"] for row in values.values()]
    assert due.count(None) == 3 and len(set(due)) < len(due) - 3, "the fixture must have NULLs and ties"
    return values


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_every_ordering_pages_through_every_incident_once_both_ways(api_for_agent, rows, ordering):
    assert_pages_through(api_for_agent, URL, ordering, expected_order(rows, ordering))


def test_several_orderings_joined_by_commas_page_exactly_once(api_for_agent, rows):
    by_priority = expected_order(rows, "-id")
    by_priority.sort(key=lambda pk: rows[pk]["priority"])  # stable: priority, then -id
    pages, _ = walk(api_for_agent, URL, {"ordering": "priority,-id", "page_size": 2}, "next")
    assert [pk for page in pages for pk in page] == by_priority


@pytest.mark.parametrize("ordering", ["title", "-bogus", "priority,nope", "sla_due_at desc"])
def test_unknown_ordering_is_a_400_naming_the_valid_values(api_for_agent, ordering):
    response = api_for_agent.get(URL, {"ordering": ordering})
    assert response.status_code == 400
    body = response.json()
    assert (body["status"], body["code"], list(body["fields"])) == (400, "invalid", ["ordering"])
    (message,) = body["fields"]["ordering"]
    assert message.startswith("Unknown ordering '") and all(value in message for value in ORDERINGS)


def test_a_cursor_made_for_another_ordering_is_refused(api_for_agent, rows):
    next_link = api_for_agent.get(URL, {"ordering": "priority", "page_size": 2}).json()["next"]
    cursor = next_link.split("cursor=")[1].split("&")[0]
    response = api_for_agent.get(URL, {"ordering": "-priority", "page_size": 2, "cursor": cursor})
    assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.parametrize("extra", [0, 20])
def test_an_ordered_page_after_a_cursor_costs_the_same_queries(
    api_for_agent, agent, service, rows, extra, django_assert_num_queries
):
    for _ in range(extra):
        IncidentFactory(reporter=agent, service=service)
    next_link = api_for_agent.get(URL, {"ordering": "-sla_due_at", "page_size": 2}).json()["next"]
    # token + user + roles (1), the page (1), its service and reporters (1 each: one query per related
    # model the rows point to), their escalations (1), their SLA clocks (1)
    with django_assert_num_queries(6):
        response = api_for_agent.get(next_link.replace("page_size=2", "page_size=50"))
    assert response.status_code == 200 and len(response.json()["results"]) == len(rows) + extra - 2


def test_the_schema_documents_the_orderings_as_an_enum(api_for_agent):
    schema = api_for_agent.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    (parameter,) = [p for p in schema["paths"][URL]["get"]["parameters"] if p["name"] == "ordering"]
    assert parameter["in"] == "query" and parameter["schema"]["enum"] == ORDERINGS
    assert "400" in schema["paths"][URL]["get"]["responses"]


@pytest.fixture
def api_for_agent(client_for, agent):
    return client_for(agent)
