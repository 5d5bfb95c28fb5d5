"""`Incident.sla_due_at`, the soonest deadline of the incident's running SLA clocks, is kept by the SLA
engine through every start, pause, resume, stop and retarget, and `?ordering=sla_due_at` reads it."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from incidents import services
from incidents.models import Incident, Level
from incidents.tests.factories import IncidentFactory
from sla.engine import soonest_due
from sla.selectors import sla_clocks_of

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def stored(incident: Incident):
    return Incident.objects.values_list("sla_due_at", flat=True).get(pk=incident.pk)


def deadlines(incident: Incident) -> dict:
    """{target: due_at} of the running clocks (a stopped or paused clock has none)."""
    return dict(sla_clocks_of(Incident).filter(object_id=incident.pk).values_list("target", "due_at"))


def check(incident: Incident):
    """The column equals what the clocks say, in the database and on the instance the service returned."""
    clocks = list(sla_clocks_of(Incident).filter(object_id=incident.pk))
    assert stored(incident) == soonest_due(clocks) == incident.sla_due_at
    return stored(incident)


def act(incident, action, at, **params):
    with time_machine.travel(at, tick=False):
        return services.incident_transition(
            incident=incident, actor=incident.reporter, action=action, **params
        )


def test_the_column_follows_every_clock_change(agent, service):
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory(reporter=agent, service=service, impact=Level.MEDIUM, urgency=Level.MEDIUM)
    due = deadlines(incident)
    assert check(incident) == min(due.values()) == due["response"]  # response comes first

    incident = act(incident, "acknowledge", T0 + 5 * MIN)  # the response clock stops
    assert check(incident) == deadlines(incident)["resolution"]

    incident = act(incident, "start", T0 + 6 * MIN)
    incident = act(
        incident, "hold", T0 + 10 * MIN, hold_reason="awaiting_vendor"
    )  # the resolution clock pauses: nothing runs
    assert check(incident) is None

    incident = act(incident, "resume", T0 + 70 * MIN)  # runs again, its deadline an hour later
    resumed = check(incident)
    assert resumed == deadlines(incident)["resolution"] and resumed > due["resolution"]

    with time_machine.travel(T0 + 80 * MIN, tick=False):  # a higher priority: a shorter target
        incident = services.incident_update(
            incident=incident, actor=agent, impact=Level.HIGH, urgency=Level.HIGH
        )
    assert check(incident) < resumed

    incident = act(incident, "resolve", T0 + 90 * MIN, resolution_code="fixed", resolution_notes="Done.")
    assert check(incident) is None
    incident = act(incident, "reopen", T0 + 95 * MIN, note="Back again.")
    assert check(incident) is not None


def test_a_cancelled_incident_has_no_deadline(agent, service):
    incident = IncidentFactory(reporter=agent, service=service)
    incident = act(incident, "cancel", T0 + MIN, note="Filed twice.")
    assert check(incident) is None


def test_the_sweep_leaves_it_alone(agent, service):
    """Firing a threshold changes no deadline (the sweep writes no incident row)."""
    from incidents.sla import sweep_sla_clocks

    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory(reporter=agent, service=service)
    before = stored(incident)
    assert sweep_sla_clocks(now=T0 + timedelta(days=30)) > 0
    assert stored(incident) == before


def test_the_migration_fills_it_from_the_clocks(agent, service):
    """incidents/migrations/0009's UPDATE, run over incidents whose column was lost."""
    from importlib import import_module

    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    fill = import_module("incidents.migrations.0010_apiperf_sla_due_at").FILL
    open_one = IncidentFactory(reporter=agent, service=service)
    cancelled = act(IncidentFactory(reporter=agent, service=service), "cancel", T0, note="Twice.")
    expected = {open_one.pk: stored(open_one), cancelled.pk: None}
    Incident.objects.update(sla_due_at=None)
    with connection.cursor() as cursor:
        cursor.execute(fill, [ContentType.objects.get_for_model(Incident).pk])
    assert dict(Incident.objects.values_list("pk", "sla_due_at")) == expected
    assert expected[open_one.pk] is not None


def test_ordering_by_it_is_served_by_its_index():
    """`?ordering=sla_due_at` (and its reverse) reads the first page off an index, without sorting."""
    from django.db import connection

    from core.api import keyset

    for term in ("sla_due_at", "-sla_due_at"):
        queryset = Incident.objects.all()
        page = queryset.order_by(*keyset.order_by(keyset.sort_keys(queryset, [term])))[:51]
        sql, params = page.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                "SET LOCAL enable_seqscan = off"
            )  # a near-empty test table: ask for the large-table plan
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "incident_sla_due" in plan and "Sort" not in plan, (term, plan)


def test_clocks_deleted_outside_the_engine_take_their_deadline_along(agent, service):
    """The admin or a script deleting clocks: the column follows what remains."""
    from sla.models import SlaClock

    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory(reporter=agent, service=service)
    due = deadlines(incident)
    SlaClock.objects.filter(incident=incident, target="response").delete()
    assert stored(incident) == due["resolution"]
    SlaClock.objects.filter(incident=incident).delete()
    assert stored(incident) is None
