"""The queue's sortable columns: every column's order both ways, the headers that switch them, and the
index behind each order (no sort of the table at a million rows)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import RequestFactory

from incidents import services
from incidents.models import STATUS_RANK, Incident, Level, Status
from incidents.tests.ui_helpers import QUEUE, file, reload, rows
from incidents.views import queue as views

pytestmark = pytest.mark.django_db

RANK = {value: rank for rank, value in enumerate(Status.values)}

# The columns' orders (relevance, a search's own order, is tested with the search: incidents/tests/test_search.py).
COLUMN_SORTS = [key for key in views.SORTS if key != "relevance"]


@pytest.fixture
def mixed(incident_factory, service, agent, manager):
    """Incidents of every priority, several states (one on hold: no running SLA clock), assigned to
    two people or nobody, filed at different times."""
    made = [
        file(incident_factory, service, agent, impact=Level.HIGH, urgency=Level.HIGH, assignee=manager,
             age=timedelta(hours=5)),
        file(incident_factory, service, agent, impact=Level.LOW, urgency=Level.MEDIUM, assignee=agent,
             age=timedelta(hours=1)),
        file(incident_factory, service, agent, impact=Level.HIGH, urgency=Level.MEDIUM, age=timedelta(hours=3)),
        file(incident_factory, service, agent, impact=Level.LOW, urgency=Level.LOW, assignee=agent,
             age=timedelta(hours=2)),
        file(incident_factory, service, agent, impact=Level.MEDIUM, urgency=Level.HIGH, age=timedelta(minutes=10)),
        file(incident_factory, service, agent, age=timedelta(hours=7)),
    ]  # fmt: skip
    for action in ("acknowledge", "start"):
        services.incident_transition(incident=made[1], actor=agent, action=action)
    services.incident_transition(incident=made[2], actor=agent, action="acknowledge")
    for action in ("acknowledge", "start"):
        services.incident_transition(incident=made[3], actor=agent, action=action)
    services.incident_transition(incident=made[3], actor=agent, action="hold", hold_reason="awaiting_caller")
    services.incident_transition(incident=made[5], actor=agent, action="cancel", note="Filed twice.")
    return [reload(incident) for incident in made]


def expected(incidents, key: str) -> list[str]:
    def queue_order(i):
        return (i.priority, i.created_at, i.pk)

    keys = {
        "number": lambda i: i.number,
        "priority": queue_order,
        "status": lambda i: (RANK[i.status], *queue_order(i)),
        "due": lambda i: (i.sla_due_at is None, i.sla_due_at or i.created_at, *queue_order(i)),
        "assignee": lambda i: (
            i.assignee is None,
            i.assignee.username if i.assignee else "",
            *queue_order(i),
        ),
        "age": lambda i: (-i.created_at.timestamp(), -i.pk),
    }
    return [i.number for i in sorted(incidents, key=keys[key])]


@pytest.mark.parametrize("key", COLUMN_SORTS)
def test_each_column_sorts_both_ways(agent_client, mixed, key):
    everything = rows(agent_client.get(QUEUE, {"is_open": "", "sort": key}))
    assert everything == expected(mixed, key)
    assert rows(agent_client.get(QUEUE, {"is_open": "", "sort": f"-{key}"})) == everything[::-1]
    open_only = [i for i in mixed if i.status != Status.CANCELLED]
    assert rows(agent_client.get(QUEUE, {"sort": key})) == expected(open_only, key)


def test_an_unknown_sort_falls_back_to_priority(agent_client, mixed):
    response = agent_client.get(QUEUE, {"sort": "-password"})
    assert response.status_code == 200
    assert rows(response) == rows(agent_client.get(QUEUE))
    assert "By priority, then oldest first" in response.content.decode()


def test_headers_link_to_their_order_and_the_current_one_to_its_reverse(agent_client, mixed):
    html = agent_client.get(QUEUE, {"status": "new", "sort": "due", "page": "1"}).content.decode()
    # the sorted column says so (screen readers) and links to the reverse; the others to their own
    # order; each keeps the filters and goes back to page 1
    assert (
        '<th scope="col" aria-sort="ascending"><a class="sort-link" href="?status=new&amp;sort=-due"' in html
    )
    assert 'href="?status=new&amp;sort=number"' in html
    assert 'href="?status=new&amp;sort=age"' in html
    assert "SLA due soonest first" in html
    html = agent_client.get(QUEUE, {"sort": "-due"}).content.decode()
    assert 'aria-sort="descending"><a class="sort-link" href="?sort=due"' in html
    assert "SLA due latest first (no running SLA first)" in html
    assert html.count("aria-sort=") == 1


def test_quick_views_keep_the_chosen_sort(agent_client, mixed):
    html = agent_client.get(QUEUE, {"is_open": "true", "sort": "-age"}).content.decode()
    assert 'href="?mine=true&amp;is_open=true&amp;sort=-age"' in html
    assert 'href="?is_open=true&amp;sort=-age" aria-current="page"' in html


def plan(query: str, *, agent) -> str:
    request = RequestFactory().get(QUEUE)
    request.user = agent
    parsed = views.queue_query(QueryDict(query), request=request)
    return parsed.filterset.qs.order_by(*parsed.ordering)[:51].explain()


@pytest.mark.parametrize("sort", [key for key in COLUMN_SORTS if key != "assignee"] + ["-number", "-due"])
@pytest.mark.parametrize("view", ["is_open=true", "is_open="])
def test_each_sort_reads_an_index_in_its_order(agent, mixed, sort, view):
    """With sorting made prohibitively expensive, PostgreSQL still finds a plan without one: an index
    gives the order (forwards or backwards), so a page is a LIMIT over an index scan at any size."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off; SET LOCAL enable_incremental_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
    text = plan(f"{view}&sort={sort}", agent=agent)
    head = text.split("SubPlan")[0]  # the rows' own scan (subplans: the escalation columns)
    assert "Sort" not in head, text
    index = INDEXES[sort.removeprefix("-")][view == "is_open="]
    assert f" using {index}" in head, text


INDEXES = {  # sort: (over open incidents, over every incident); "number" is the unique constraint's
    "number": ("incident_open_number_idx", "incidents_incident_number"),
    "priority": ("incident_open_order_idx", "incident_order_idx"),
    "status": ("incident_open_status_order_idx", "incident_status_order_idx"),
    "due": ("incident_open_due_idx", "incident_due_order_idx"),
    "age": ("incident_open_created_idx", "incident_created_id_idx"),
}


def test_status_rank_follows_the_lifecycle(mixed):
    ranked = (
        Incident.objects.annotate(rank=STATUS_RANK).order_by("rank", "pk").values_list("status", flat=True)
    )
    assert list(ranked) == sorted((i.status for i in mixed), key=RANK.get)
