"""`Incident.sla_breached_from`, from when the incident's SLA counts as breached, is kept by the SLA engine
through filing, breach, pause and resume, stop, reopen, retarget and clock deletion, so that
`?sla=breached` (the column `<= now`) lists exactly the incidents that have a breached clock by the one
definition (sla.states.breached_q), read off its partial indexes."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from incidents import services
from incidents.filters import IncidentFilter
from incidents.models import OPEN_STATUSES, Incident, Level
from incidents.sla import ADAPTER, sweep_sla_clocks
from incidents.tests.factories import IncidentFactory
from sla import states
from sla.engine import derived_values
from sla.models import SlaClock
from sla.selectors import sla_clocks_of, with_sla_clock

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def stored(incident: Incident):
    return Incident.objects.values_list("sla_breached_from", flat=True).get(pk=incident.pk)


def by_column(now: datetime) -> set[int]:
    with time_machine.travel(now, tick=False):
        return set(
            IncidentFilter({"sla": "breached"}, queryset=Incident.objects.all()).qs.values_list(
                "pk", flat=True
            )
        )


def by_clocks(now: datetime) -> set[int]:
    """The definition the filter used before the column: some clock breached at `now`."""
    return set(with_sla_clock(Incident.objects.all(), states.breached_q(now)).values_list("pk", flat=True))


def agree(now: datetime) -> set[int]:
    """The column equals what the clocks say, for every incident, and filters alike just before, at and
    long after `now`."""
    for incident in Incident.objects.all():
        clocks = list(sla_clocks_of(Incident).filter(object_id=incident.pk))
        assert stored(incident) == derived_values(ADAPTER, clocks)["sla_breached_from"], incident.number
    for at in (now, now + MIN, now + 30 * 24 * HOUR):
        assert by_column(at) == by_clocks(at), at
    return by_column(now)


def act(incident, action, at, **params):
    with time_machine.travel(at, tick=False):
        return services.incident_transition(
            incident=incident, actor=incident.reporter, action=action, **params
        )


def file(agent, service, at=T0, **kwargs):
    with time_machine.travel(at, tick=False):
        return IncidentFactory(reporter=agent, service=service, **kwargs)


def test_the_filter_lists_what_the_clocks_say_through_each_step(agent, service):
    """Several incidents, each through a different life, compared at each step (the table below)."""
    late = file(agent, service)  # never acknowledged: its response deadline passes
    quick = file(agent, service)  # acknowledged and resolved in time
    held = file(agent, service)  # put on hold before the deadline, resumed after it would have passed
    reopened = file(agent, service)  # resolved late, then reopened
    retargeted = file(agent, service, impact=Level.LOW, urgency=Level.LOW)  # priority raised: earlier
    cancelled = file(agent, service)  # cancelled in time: no outcome
    response = {c.object_id: c.due_at for c in sla_clocks_of(Incident).filter(target="response")}
    assert agree(T0) == set()

    quick = act(quick, "acknowledge", T0 + MIN)
    held = act(held, "acknowledge", T0 + MIN)
    reopened = act(reopened, "acknowledge", T0 + MIN)
    retargeted = act(retargeted, "acknowledge", T0 + MIN)
    cancelled = act(cancelled, "cancel", T0 + 2 * MIN, note="Filed twice.")
    for incident in (held, reopened):
        act(incident, "start", T0 + 2 * MIN)
    held = act(Incident.objects.get(pk=held.pk), "hold", T0 + 3 * MIN, hold_reason="awaiting_vendor")
    assert agree(T0 + 3 * MIN) == set()

    # Past the response deadline: `late` is breached before the sweep fires (its running deadline) and after.
    after_response = response[late.pk] + MIN
    assert agree(after_response) == {late.pk}
    with time_machine.travel(after_response, tick=False):
        assert sweep_sla_clocks(now=after_response) > 0
    assert agree(after_response) == {late.pk}

    quick = act(quick, "start", after_response)
    quick = act(quick, "resolve", after_response + MIN, resolution_code="fixed", resolution_notes="Done.")
    with time_machine.travel(after_response + MIN, tick=False):
        retargeted = services.incident_update(
            incident=retargeted, actor=agent, impact=Level.HIGH, urgency=Level.HIGH
        )
    # the priority raised: the new, shorter resolution target has already passed
    assert agree(after_response + MIN) == {late.pk, retargeted.pk}

    # Far past every resolution deadline: the running ones breach; the held one does not (paused).
    much_later = T0 + 30 * 24 * HOUR
    assert agree(much_later) == {late.pk, reopened.pk, retargeted.pk}
    with time_machine.travel(much_later, tick=False):
        sweep_sla_clocks(now=much_later)
    assert agree(much_later) == {late.pk, reopened.pk, retargeted.pk}

    reopened = act(
        Incident.objects.get(pk=reopened.pk),
        "resolve",
        much_later,
        resolution_code="fixed",
        resolution_notes="Late.",
    )  # stopped after its target: stays breached
    held = act(Incident.objects.get(pk=held.pk), "resume", much_later)  # runs again from its elapsed time
    assert agree(much_later) == {late.pk, reopened.pk, retargeted.pk}
    reopened = act(reopened, "reopen", much_later + MIN, note="Back.")
    assert agree(much_later + MIN) == {late.pk, reopened.pk, retargeted.pk}
    assert agree(much_later + 30 * 24 * HOUR) == {late.pk, reopened.pk, retargeted.pk, held.pk}


def test_clocks_deleted_outside_the_engine_take_their_breach_along(agent, service):
    late = file(agent, service)
    with time_machine.travel(T0 + 30 * 24 * HOUR, tick=False):
        sweep_sla_clocks()
    assert stored(late) is not None
    SlaClock.objects.filter(incident=late, target="response").delete()
    assert stored(late) == SlaClock.objects.get(incident=late).due_at
    SlaClock.objects.filter(incident=late).delete()
    assert stored(late) is None


def test_the_migration_fills_it_from_the_clocks(agent, service):
    from importlib import import_module

    from django.contrib.contenttypes.models import ContentType

    fill = import_module("incidents.migrations.0015_sla_breached_from").FILL
    running = file(agent, service)
    cancelled = act(file(agent, service), "cancel", T0 + MIN, note="Twice.")
    late = file(agent, service)
    act(late, "acknowledge", T0 + 30 * 24 * HOUR)
    expected = dict(Incident.objects.values_list("pk", "sla_breached_from"))
    assert expected[cancelled.pk] is None and expected[running.pk] and expected[late.pk]
    Incident.objects.update(sla_breached_from=None)
    with connection.cursor() as cursor:
        cursor.execute(fill, [ContentType.objects.get_for_model(Incident).pk])
    assert dict(Incident.objects.values_list("pk", "sla_breached_from")) == expected


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # a near-empty test table: ask for the large-table plan (an index scan in order, with a LIMIT)
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_filter_reads_its_indexes_without_sorting(agent, service):
    """The API list's order (newest first, keyset on id) and the queue's default order over open incidents,
    in a table where few incidents are breached (as in the newest rows of a real one)."""
    from incidents.tests.test_views_queries import clone_incidents

    act(file(agent, service, at=timezone.now()), "cancel", timezone.now(), note="Twice.")
    clone_incidents(500)
    file(agent, service, at=timezone.now() - 30 * 24 * HOUR)  # long past its deadlines
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE incidents_incident")
    breached = IncidentFilter({"sla": "breached"}, queryset=Incident.objects.all()).qs
    api = plan(breached.order_by("-id")[:51])
    assert "incident_breached_id_idx" in api and "Sort" not in api, api
    queue = plan(breached.filter(status__in=OPEN_STATUSES).order_by("priority", "created_at", "id")[:51])
    assert "incident_open_breached_idx" in queue and "Sort" not in queue, queue


def test_the_api_list_reads_a_fixed_number_of_queries(client_for, agent, service):
    """Whatever the number of breached incidents on the page (incidents/tests/test_api_queries.py counts
    every filter against its expected figure; this one with rows that really are breached)."""
    from django.test.utils import CaptureQueriesContext

    api = client_for(agent)

    def page() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries, time_machine.travel(T0 + 30 * 24 * HOUR):
            response = api.get("/api/v1/incidents/", {"sla": "breached"})
        assert response.status_code == 200
        return len(queries), len(response.json()["results"])

    file(agent, service)
    one = page()
    for _ in range(7):
        file(agent, service)
    eight = page()
    assert (one[1], eight[1]) == (1, 8) and one[0] == eight[0]
