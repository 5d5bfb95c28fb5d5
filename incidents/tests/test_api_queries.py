"""The incident API reads a fixed number of queries whatever the page size or the number of incidents:
for every documented filter, ordering and search of the list, for the detail and for create."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.api.views import IncidentViewSet
from incidents.tests.factories import IncidentFactory, incident_in_state

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"
# token + user + their roles (1, core.api.auth), the page (1); when the page has rows, one query per related
# model the rows point to (service, CI, group, and users for assignee and reporter: the fixture's rows
# have all five), one for their escalations and one for their SLA clocks
BASE = 2
PER_PAGE = 6
# A search by words first asks whether any incident has them all (else it corrects typos): 1 (incidents.search).
SEARCHES = {"q", "search"}
# A filter naming a related record checks that it exists (1).
LOOKED_UP = {"service", "assignee", "assignment_group"}


def list_cases(agent, service, team) -> list[dict]:
    filters = [
        {"status": "new"},
        {"status": ["new", "closed"]},
        {"priority": "2"},
        {"priority": ["1", "2"]},
        {"service": service.pk},
        {"assignee": agent.pk},
        {"assignment_group": team.pk},
        {"source": "web"},
        {"is_open": "true"},
        {"unassigned": "true"},
        {"mine": "true"},
        {"created_after": "2000-01-01T00:00:00Z", "created_before": "2999-01-01T00:00:00Z"},
        {"q": "broke"},
        {"search": "something broke"},
        {"sla": "breached"},
        {"sla": "at_risk"},
        {"status": "new", "priority": "2", "ordering": "-created_at", "search": "broke"},
    ]
    orderings = [{"ordering": term} for term in IncidentViewSet.ordering_fields]
    orderings += [{"ordering": f"-{term}"} for term in IncidentViewSet.ordering_fields]
    return [{}, *filters, *orderings]


def count(api, params) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(URL, params)
    assert response.status_code == 200, response.json()
    return len(queries), len(response.json()["results"])


def expected(params: dict, rows: int) -> int:
    return BASE + len(LOOKED_UP & set(params)) + len(SEARCHES & set(params)) + (PER_PAGE if rows else 0)


def test_list_queries_do_not_grow_with_page_size_or_table_size(client_for, agent, service, ci):
    api = client_for(agent)
    team = Group.objects.create(name="Payments team")
    full = {"reporter": agent, "service": service, "ci": ci, "assignee": agent, "assignment_group": team}
    cases = list_cases(agent, service, team)

    def measure() -> list[int]:
        counts = []
        for params in cases:
            one, one_rows = count(api, {**params, "page_size": 1})
            full, rows = count(api, {**params, "page_size": 50})
            assert one == full == expected(params, rows), (params, one, full)
            assert (one_rows > 0) == (rows > 0)
            counts.append(full)
        return counts

    IncidentFactory(**full)
    IncidentFactory(**full, impact=1)
    incident_in_state("closed", **full)
    few = measure()
    for _ in range(8):
        IncidentFactory(**full)
    assert measure() == few


def test_detail_reads_the_incident_once(client_for, agent, service, django_assert_num_queries):
    incident = IncidentFactory(reporter=agent, service=service, assignee=agent)
    api = client_for(agent)
    # token + user + roles, the incident, its service, its users (assignee and reporter), its escalation,
    # its SLA clocks
    with django_assert_num_queries(6):
        response = api.get(f"{URL}{incident.pk}/")
    assert response.status_code == 200 and response.json()["number"] == incident.number


@pytest.mark.parametrize(("assigned", "queries"), [(False, 28), (True, 30)])
def test_create_queries_are_fixed(client_for, agent, service, assigned, queries, django_assert_num_queries):
    """Validation (the service with its owning team), the policies (read before the number's lock), the number, the row (with its soonest
    SLA deadline), its SLA clocks, escalation, timeline, events and outbox; the response reads nothing
    more (the service leaves the clocks and escalation it created on the incident); an assignee adds
    their look-up and the "assigned to you" event. The count is pinned so that a new per-request read shows up here. Events dispatch inline in
    tests, so the handlers of incident.created count too (the suspected-cause look-up of changes adds
    6: its savepoint, the incident, the candidate changes); in production they run after commit."""
    api = client_for(agent)
    service.owning_group = Group.objects.create(name="Payments team")  # read with the service
    service.save()
    payload = {"title": "Disk full", "service": service.pk, "impact": 1, "urgency": 2}
    if assigned:
        payload["assignee"] = agent.username
    assert api.post(URL, {**payload, "title": "warm-up"}).status_code == 201  # caches (content types)
    with django_assert_num_queries(queries):
        assert api.post(URL, payload).status_code == 201


def test_allowed_transitions_depend_on_the_status_alone():
    """The list works out allowed transitions once per status: that holds while no transition has
    conditions or permissions (add one and this fails: compute them per row again)."""
    from incidents.models import Incident

    for transition in Incident._meta.get_field("status").get_all_transitions(Incident):
        assert not transition.conditions and transition.permission is None, transition.name


def test_a_page_after_a_cursor_is_one_range_of_the_index_in_its_order():
    """Deep pages stay cheap: after a cursor, `?ordering=priority` reads its index from the cursor on (a
    row comparison), neither scanning nor sorting what lies before it."""
    from core.api import keyset
    from incidents.models import Incident

    queryset = Incident.objects.all()
    keys = keyset.sort_keys(queryset, ["priority"])
    page = queryset.order_by(*keyset.order_by(keys)).filter(keyset.after(keys, [2, 0], queryset=queryset))
    sql, params = page[:51].query.sql_with_params()
    with connection.cursor() as cursor:
        # a near-empty test table would be scanned (or sorted) whole anyway: ask for the plan a large table gets
        cursor.execute(
            "SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off"
        )
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan using incident_priority_id_idx" in plan, plan
    assert "Index Cond: (ROW(priority, id) > ROW(2, 0))" in plan, plan
    assert "Sort" not in plan, plan


def test_the_token_query_brings_the_roles_and_they_are_current(client_for, make_user, service):
    """core.api.authentication.TokenWithRolesAuthentication: a role granted or taken away counts from the next
    request; an inactive user's token is refused."""
    from core import roles

    user = make_user(roles.VIEWER)
    api = client_for(user)
    assert api.get(URL).status_code == 200
    user.groups.clear()
    assert api.get(URL).status_code == 403
    user.groups.add(Group.objects.get(name=roles.AGENT))
    assert api.post(URL, {"title": "Disk full", "service": service.pk}).status_code == 201
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert api.get(URL).status_code == 401
