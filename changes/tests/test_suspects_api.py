"""Suspected cause API: both lists, confirm / dismiss with 400 / 403 / 404 / 409, the change success
rate endpoint, and query counts that do not grow with the rows."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from catalog.tests.factories import ServiceFactory
from changes.models import SuspectedCause
from core import roles

from .suspects_setup import file_incident, implemented_change, suspected_link

pytestmark = pytest.mark.django_db

CAUSES = "/api/v1/suspected-causes/"


@pytest.fixture
def link(agent, service, ci):
    return suspected_link(reporter=agent, service=service, ci=ci)


def test_change_list(client_for, agent, link):
    response = client_for(agent).get(f"/api/v1/changes/{link.change_id}/suspected-incidents/")
    assert response.status_code == 200, response.content
    [row] = response.json()["results"]
    assert row["id"] == link.pk
    assert row["incident"]["number"] == link.incident.number
    assert row["incident"]["service"] == {"id": link.incident.service_id, "name": "Payments"}
    assert (row["reason"], row["ci"]["name"], row["status"]) == ("same_ci", "pay-db-1", "suggested")
    assert row["allowed_transitions"] == ["confirm", "dismiss"]
    assert row["decided_by"] is None


def test_incident_list(client_for, agent, link):
    response = client_for(agent).get(f"/api/v1/incidents/{link.incident_id}/suspected-changes/")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["change"]["number"] == link.change.number
    assert row["change"]["outcome"] == "successful"


def test_lists_filter_by_status_and_refuse_bad_input(client_for, agent, link):
    api = client_for(agent)
    url = f"/api/v1/incidents/{link.incident_id}/suspected-changes/"
    assert api.get(url, {"status": "confirmed"}).json()["results"] == []
    assert len(api.get(url, {"status": "suggested"}).json()["results"]) == 1
    bad = api.get(url, {"status": "maybe"})
    assert bad.status_code == 400 and "status" in bad.json()["fields"]
    assert api.get(url, {"ordering": "reason"}).status_code == 400


@pytest.mark.parametrize(
    "url", ["/api/v1/changes/999999/suspected-incidents/", "/api/v1/incidents/999999/suspected-changes/"]
)
def test_lists_of_a_missing_record_are_404(client_for, agent, url):
    response = client_for(agent).get(url)
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_confirm(client_for, agent, link):
    response = client_for(agent).post(f"{CAUSES}{link.pk}/confirm/", {"note": "Yes, the resize."})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["note"], body["decided_by"]["username"]) == (
        "confirmed",
        "Yes, the resize.",
        "agent",
    )
    assert body["allowed_transitions"] == []


def test_dismiss_needs_a_note(client_for, agent, link):
    api = client_for(agent)
    response = api.post(f"{CAUSES}{link.pk}/dismiss/", {})
    assert response.status_code == 400 and "note" in response.json()["fields"]
    response = api.post(f"{CAUSES}{link.pk}/dismiss/", {"note": "   "})
    assert response.status_code == 400 and "note" in response.json()["fields"]
    assert api.post(f"{CAUSES}{link.pk}/dismiss/", {"note": "Unrelated."}).json()["status"] == "dismissed"


def test_unknown_field_is_400(client_for, agent, link):
    response = client_for(agent).post(f"{CAUSES}{link.pk}/confirm/", {"status": "confirmed"})
    assert response.status_code == 400 and "status" in response.json()["fields"]


def test_second_decision_is_409_naming_the_state(client_for, agent, link):
    api = client_for(agent)
    assert api.post(f"{CAUSES}{link.pk}/confirm/", {}).status_code == 200
    response = api.post(f"{CAUSES}{link.pk}/dismiss/", {"note": "Changed my mind."})
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["current_status"], body["allowed_transitions"]) == (
        "transition_not_allowed",
        "confirmed",
        [],
    )


@pytest.mark.parametrize("role", [roles.VIEWER, roles.CAB_OPS_MANAGER])
def test_readers_may_not_decide(client_for, make_user, link, role):
    api = client_for(make_user(role, username="reader"))
    assert api.get(f"{CAUSES}{link.pk}/").status_code == 200
    response = api.post(f"{CAUSES}{link.pk}/confirm/", {})
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert SuspectedCause.objects.get(pk=link.pk).status == "suggested"


def test_missing_link_is_404(client_for, agent):
    assert client_for(agent).post(f"{CAUSES}999999/confirm/", {}).status_code == 404


def test_anonymous_is_401(api_client, link):
    assert api_client.get(f"/api/v1/changes/{link.change_id}/suspected-incidents/").status_code == 401
    assert api_client.post(f"{CAUSES}{link.pk}/confirm/", {}).status_code == 401


def _many_incidents_on(change, agent, service, n):
    for i in range(n):
        file_incident(reporter=agent, service=service, title=f"Outage {i}")
    SuspectedCause.objects.filter(change=change).update(
        status="confirmed", decided_by=agent, decided_at=change.implemented_at
    )


def _many_changes_on(service, n):
    for _ in range(n):
        implemented_change(at=datetime.now(UTC) - timedelta(minutes=30), services=[service])


@pytest.mark.parametrize("side", ["change", "incident"])
def test_list_queries_do_not_grow_with_rows(client_for, agent, django_assert_num_queries, side):
    api = client_for(agent)
    for n in (1, 5):
        service = ServiceFactory()
        if side == "change":
            change = implemented_change(at=datetime.now(UTC) - timedelta(minutes=30), services=[service])
            _many_incidents_on(change, agent, service, n)
            url = f"/api/v1/changes/{change.pk}/suspected-incidents/"
        else:
            _many_changes_on(service, n)
            incident = file_incident(reporter=agent, service=service)
            url = f"/api/v1/incidents/{incident.pk}/suspected-changes/"
        api.get(url)  # warm caches
        # token with user and roles, the parent exists (else 404), the page with its related rows
        with django_assert_num_queries(3):
            response = api.get(url)
        assert len(response.json()["results"]) == n


T = datetime(2026, 10, 10, 12, tzinfo=UTC)


def test_metrics(client_for, agent, service):
    with time_machine.travel(T, tick=False):
        confirmed = suspected_link(reporter=agent, service=service)
    implemented_change(at=T, services=[service])
    implemented_change(at=T, services=[ServiceFactory()], outcome="failed")
    api = client_for(agent)
    api.post(f"{CAUSES}{confirmed.pk}/confirm/", {"note": "It did."})
    response = api.get("/api/v1/metrics/changes/", {"from": "2026-10-01", "to": "2026-10-31"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert {
        k: body[k] for k in ("implemented", "successful", "unsuccessful", "failed", "caused_incidents")
    } == {
        "implemented": 3,
        "successful": 1,
        "unsuccessful": 2,
        "failed": 1,
        "caused_incidents": 1,
    }
    assert body["percent"] == 33.3 and body["service"] is None
    only = api.get(
        "/api/v1/metrics/changes/", {"from": "2026-10-01", "to": "2026-10-31", "service": service.pk}
    )
    assert only.json()["implemented"] == 2 and only.json()["service"]["name"] == "Payments"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"from": "2026-10-31", "to": "2026-10-01"}, "to"),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "from"),
        ({"service": "999999"}, "service"),
    ],
)
def test_metrics_bad_period_is_400(client_for, agent, params, field):
    response = client_for(agent).get("/api/v1/metrics/changes/", params)
    assert response.status_code == 400 and field in response.json()["fields"]


def test_metrics_need_a_role(client_for, make_user):
    assert client_for(make_user(username="nobody")).get("/api/v1/metrics/changes/").status_code == 403
