"""SLA clocks of incidents, walked through time with time-machine: due times, pauses,
re-targeting, and thresholds that fire exactly once with their notifications."""

import threading
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection, transaction

from core import roles
from core.timeline import timeline_for
from incidents import services
from incidents.sla import sweep_sla_clocks
from incidents.tests.factories import IncidentFactory
from notifications.models import Notification
from sla import clock as sla_clock
from sla.models import Calendar, SlaClock, SlaPolicy, WorkingPeriod
from sla.tests.factories import make_sla_policy

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
MIN = timedelta(minutes=1)


def clocks(incident):
    found = {c.target: c for c in SlaClock.objects.filter(incident=incident)}
    return found["response"], found["resolution"]


def sla_notes(incident):
    return [e.data["target"] + ":" + e.data["threshold"] for e in timeline_for(incident).filter(kind="sla")]


@pytest.fixture
def team(db, make_user):
    """An agent assigned to P1s, a second agent in the group, and a manager."""
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="Payments team")
    assignee = make_user(roles.AGENT, username="alice")
    colleague = make_user(roles.AGENT, username="bob")
    boss = make_user(roles.MANAGER, username="carol")
    for user in (assignee, colleague):
        user.groups.add(group)
    return {"group": group, "assignee": assignee, "colleague": colleague, "manager": boss}


@pytest.fixture
def p1(team, service):
    with time_machine.travel(T0, tick=False):
        return IncidentFactory(
            reporter=team["assignee"], service=service, impact=1, urgency=1, assignee=team["assignee"],
            assignment_group=team["group"],
        )  # fmt: skip


def at(offset: timedelta):
    return time_machine.travel(T0 + offset, tick=False)


def sweep(offset: timedelta) -> int:
    with at(offset):
        return sweep_sla_clocks()


def test_default_policy_due_times(p1):
    response, resolution = clocks(p1)
    assert (response.due_at, resolution.due_at) == (T0 + 15 * MIN, T0 + timedelta(hours=2))
    assert (response.half_at, response.at_risk_at) == (T0 + 7.5 * MIN, T0 + 11.25 * MIN)
    assert response.next_fire_at == T0 + 7.5 * MIN


def test_each_threshold_fires_exactly_once_with_its_recipients(p1, team):
    assert sweep(7 * MIN) == 0
    assert sweep(8 * MIN) == 1
    assert sweep(9 * MIN) == 0
    assert sweep(12 * MIN) == 1
    assert sweep(15 * MIN) == 1
    assert sweep(20 * MIN) == 0
    assert sla_notes(p1) == ["response:warning_50", "response:warning_75", "response:breach"]

    received = {
        key: sorted(Notification.objects.filter(event_key=f"incident:{p1.pk}:sla:response:{key}").values_list(
            "recipient__username", flat=True))
        for key in ("warning_50", "warning_75", "breach")
    }  # fmt: skip
    assert received == {
        "warning_50": ["alice"],
        "warning_75": ["alice", "bob"],
        "breach": ["alice", "bob", "carol"],
    }
    response, _ = clocks(p1)
    with at(20 * MIN):
        assert sla_clock.state(response, now=T0 + 20 * MIN) == "breached"


def test_states_as_time_passes(p1):
    response, _ = clocks(p1)
    assert [sla_clock.state(response, now=T0 + m * MIN) for m in (1, 12, 16)] == [
        "on_track",
        "at_risk",
        "breached",
    ]


def test_acknowledging_stops_the_response_clock(p1, team):
    with at(10 * MIN):
        incident = services.incident_transition(incident=p1, actor=team["assignee"], action="acknowledge")
    response, resolution = clocks(incident)
    assert (response.stopped_at, response.elapsed, response.next_fire_at) == (T0 + 10 * MIN, 10 * MIN, None)
    assert sla_clock.state(response, now=T0 + 30 * MIN) == "met"
    assert sweep(30 * MIN) == 0  # 50 % fired when it was caught up at acknowledge; nothing after
    assert sla_notes(incident) == ["response:warning_50"]
    assert resolution.stopped_at is None


def test_late_acknowledge_records_the_breach_once(p1, team):
    with at(20 * MIN):  # the sweep has not run: the transition catches the thresholds up
        incident = services.incident_transition(incident=p1, actor=team["assignee"], action="acknowledge")
    assert sla_notes(incident) == ["response:warning_50", "response:warning_75", "response:breach"]
    assert sweep(21 * MIN) == 0
    response, _ = clocks(incident)
    assert sla_clock.state(response, now=T0 + 21 * MIN) == "breached"


def test_on_hold_pauses_the_resolution_clock(p1, team):
    agent = team["assignee"]
    with at(1 * MIN):
        incident = services.incident_transition(incident=p1, actor=agent, action="acknowledge")
        incident = services.incident_transition(incident=incident, actor=agent, action="start")
    with at(30 * MIN):
        incident = services.incident_transition(
            incident=incident, actor=agent, action="hold", hold_reason="awaiting_vendor"
        )
    _, resolution = clocks(incident)
    assert (resolution.running_since, resolution.due_at, resolution.elapsed) == (None, None, 30 * MIN)
    assert sla_clock.state(resolution, now=T0 + timedelta(hours=5)) == "paused"
    assert sweep(timedelta(hours=5)) == 0
    with at(timedelta(hours=5)):
        incident = services.incident_transition(incident=incident, actor=agent, action="resume")
    _, resolution = clocks(incident)
    assert resolution.due_at == T0 + timedelta(hours=5) + timedelta(minutes=90)


def test_resolving_stops_and_reopening_resumes_with_the_elapsed_time(p1, team):
    agent = team["assignee"]
    with at(5 * MIN):
        incident = services.incident_transition(incident=p1, actor=agent, action="acknowledge")
    with at(60 * MIN):
        incident = services.incident_resolve(
            incident=incident, actor=agent, resolution_code="fixed", resolution_notes="Restarted."
        )
    _, resolution = clocks(incident)
    assert (resolution.stopped_at, resolution.elapsed) == (T0 + 60 * MIN, 60 * MIN)
    assert sla_clock.state(resolution, now=T0 + 61 * MIN) == "met"
    with at(timedelta(hours=3)):
        incident = services.incident_transition(
            incident=incident, actor=agent, action="reopen", note="Back again"
        )
    _, resolution = clocks(incident)
    assert resolution.stopped_at is None
    assert resolution.due_at == T0 + timedelta(hours=3) + timedelta(hours=1)


def test_priority_change_retargets_keeping_elapsed_time(team, service):
    agent = team["assignee"]
    with at(timedelta(0)):
        incident = IncidentFactory(reporter=agent, service=service, impact=2, urgency=2, assignee=agent)  # P3
    response, resolution = clocks(incident)
    assert (response.due_at, resolution.due_at) == (T0 + timedelta(hours=2), T0 + timedelta(hours=8))
    with at(60 * MIN):
        incident = services.incident_update(incident=incident, actor=agent, impact=1, urgency=1)  # → P1
    response, resolution = clocks(incident)
    assert resolution.target_duration == timedelta(hours=2)
    assert resolution.due_at == T0 + timedelta(hours=2)  # 1 h elapsed + 1 h left
    assert response.due_at == T0 + 60 * MIN  # 60 min elapsed > 15 min: due at once
    assert sweep(60 * MIN) == 3  # 50 %, 75 % and breach of the response target, each once
    assert sweep(61 * MIN) == 0


def test_service_specific_policy_with_business_hours(team, service):
    office = Calendar.objects.create(name="Berlin office", time_zone="Europe/Berlin")
    WorkingPeriod.objects.bulk_create(
        WorkingPeriod(calendar=office, weekday=d, start=time(9), end=time(17)) for d in range(5)
    )
    make_sla_policy(
        name="Payments P3", priority=3, service=service, calendar=office,
        targets={"response": timedelta(hours=2), "resolution": timedelta(hours=8)},
    )  # fmt: skip
    friday_evening = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)  # 16:30 in Berlin
    with time_machine.travel(friday_evening, tick=False):
        incident = IncidentFactory(reporter=team["assignee"], service=service, impact=2, urgency=2)
    response, resolution = clocks(incident)
    assert response.due_at == datetime(2026, 11, 30, 9, 30, tzinfo=UTC)  # Monday 10:30 Berlin
    # 8 h of office time: half an hour on Friday, then 7.5 h from 09:00 on Monday = 16:30 Berlin.
    assert resolution.due_at == datetime(2026, 11, 30, 15, 30, tzinfo=UTC)


def test_no_policy_means_no_clock(team, service):
    SlaPolicy.objects.filter(priority=4).delete()
    incident = IncidentFactory(reporter=team["assignee"], service=service, impact=3, urgency=3)
    assert not SlaClock.objects.filter(incident=incident).exists()


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_fire_each_threshold_once(team, service):
    with at(timedelta(0)):
        incidents = [
            IncidentFactory(
                reporter=team["assignee"], service=service, impact=1, urgency=1, assignee=team["assignee"]
            )
            for _ in range(30)
        ]
    barrier = threading.Barrier(2)
    counts = []

    def run():
        barrier.wait()
        counts.append(sweep_sla_clocks(now=T0 + 16 * MIN, batch_size=7))
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Each incident's response 50 %, 75 % and breach; the resolution's 50 % comes at 60 min.
    assert sum(counts) == 30 * 3
    for incident in incidents:
        assert sla_notes(incident).count("response:breach") == 1
    assert Notification.objects.filter(event_key__contains=":sla:response:breach").count() == 30 * 2


@pytest.mark.django_db(transaction=True)
def test_a_batch_held_by_a_dead_worker_is_swept_again(team, service):
    with at(timedelta(0)):
        incident = IncidentFactory(reporter=team["assignee"], service=service, impact=1, urgency=1)
    from django.db import connections

    # A worker claims the clocks and dies before committing: its transaction holds the row locks.
    dead = connections.create_connection("default")
    with dead.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute("SELECT id FROM sla_slaclock WHERE object_id = %s FOR UPDATE", [incident.pk])
        assert sweep_sla_clocks(now=T0 + 16 * MIN) == 0  # rows locked elsewhere are skipped, not waited for
        cursor.execute("ROLLBACK")  # the worker's connection drops
    dead.close()
    assert sweep_sla_clocks(now=T0 + 16 * MIN) == 3
    assert sla_notes(incident) == ["response:warning_50", "response:warning_75", "response:breach"]


def test_a_rolled_back_firing_leaves_nothing(p1):
    with pytest.raises(RuntimeError), transaction.atomic():
        sweep_sla_clocks(now=T0 + 16 * MIN)
        raise RuntimeError("worker killed mid-batch")
    assert sla_notes(p1) == [] and not Notification.objects.exists()
    assert sweep_sla_clocks(now=T0 + 16 * MIN) == 3


@pytest.mark.parametrize("count", [5, 40])
def test_a_sweep_batch_costs_the_same_queries_however_many_fire(
    team, service, count, django_assert_num_queries
):
    with at(timedelta(0)):
        for _ in range(count):
            IncidentFactory(
                reporter=team["assignee"], service=service, impact=1, urgency=1, assignee=team["assignee"],
                assignment_group=team["group"],
            )  # fmt: skip
    # the batch's savepoint and release (2), claim (1), the clocks' incidents (1: one per process in the
    # batch), clocks (1), team and managers (2), timeline (1), events (1); dispatched inline in tests
    # (EVENTS_DISPATCH_INLINE): earlier handler runs (1), each handler's savepoint and release (4),
    # users (1), notifications (1), emails: known keys, insert, read back (3), webhook subscriptions (1),
    # handler runs (1), events done (1)
    with at(16 * MIN), django_assert_num_queries(22):
        assert sweep_sla_clocks() == count * 3
    assert Notification.objects.filter(event_key__endswith=":sla:response:breach").count() == count * 3
