"""The SLA roll-up (reports.rollup): figures read through it equal the live figures of the same
period, whatever was settled when, and refreshing is idempotent and incremental."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from reports import tasks
from reports.metrics import period_bounds, sla_metrics
from reports.models import RollupState, SlaDailyOutcome
from reports.rollup import STATE, sla_outcomes, sla_rollup_refresh
from sla.models import SlaClock

from .conftest import FIRST_DAY, LAST_DAY, NOW, at

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(hours=1)  # the refresh settles what closed before LATER − 15 min


def figures(service=None, first=FIRST_DAY, last=LAST_DAY) -> tuple:
    """What the dashboard shows of compliance, per priority and per week."""
    start, end = period_bounds(first, last)
    metrics = sla_metrics(start=start, end=end, service=service, now=NOW)
    return (
        [(row.label, row.incidents, row.response, row.resolution) for row in metrics.priorities],
        [(week.label, week.incidents, week.resolution) for week in metrics.weekly],
    )


def live_outcomes(first=FIRST_DAY, last=LAST_DAY) -> dict:
    """sla_outcomes of a period that is not whole days (one microsecond short): all live."""
    start, end = period_bounds(first, last)
    return totals(sla_outcomes(start=start, end=end - timedelta(microseconds=1), service=None, now=NOW))


def rolled_outcomes(first=FIRST_DAY, last=LAST_DAY) -> dict:
    start, end = period_bounds(first, last)
    return totals(sla_outcomes(start=start, end=end, service=None, now=NOW))


def totals(rows) -> dict:
    found: dict = {}
    for priority, target, day, met, breached in rows:
        key = (priority, target, day)
        old = found.get(key, (0, 0))
        found[key] = (old[0] + met, old[1] + breached)
    return {key: value for key, value in found.items() if value != (0, 0)}


@pytest.fixture
def closed(scenario, story):
    """Most of the resolved incidents closed a day before NOW (A1 closed on its first day)."""
    for name in ("A2", "A3", "B1", "B2", "X1"):
        story.act(name, at(15, 12), "close")
    return scenario


def test_roll_up_figures_equal_the_live_figures(closed, payments):
    live = figures(), figures(payments)
    assert sla_rollup_refresh(now=LATER) == 5  # creation days of A1, A2, A3, B1, B2 and X1 (the 10th)
    assert SlaDailyOutcome.objects.exists()
    assert (figures(), figures(payments)) == live
    assert rolled_outcomes() == live_outcomes()
    # the hand-computed compliance of test_metrics (Payments) holds through the roll-up
    overall = figures(payments)[0][-1]
    assert (overall[2].met, overall[2].breached, overall[3].met, overall[3].breached) == (7, 3, 3, 5)


def test_settled_outcomes_are_read_from_the_roll_up(closed):
    sla_rollup_refresh(now=LATER)
    before = figures()
    # a settled clock changed behind the roll-up's back (no service can do this): the figures do not
    # move, so they come from the roll-up, not from the clocks
    settled = SlaClock.objects.filter(object_id=closed["A1"].pk, target="resolution")
    settled.update(breached_at=at(2, 10))
    assert figures() == before
    assert sla_rollup_refresh(now=LATER + timedelta(minutes=5)) == 0  # nothing newly closed
    assert figures() == before


def test_refresh_is_idempotent_and_incremental(closed, story):
    assert sla_rollup_refresh(now=LATER) == 5
    rows = sorted(SlaDailyOutcome.objects.values_list("day", "priority", "target", "met", "breached"))
    assert sla_rollup_refresh(now=LATER) == 0
    assert sorted(SlaDailyOutcome.objects.values_list("day", "priority", "target", "met", "breached")) == rows

    # closed after the refresh: counted live until the next one, which recomputes its day only
    with time_machine.travel(LATER, tick=False):
        story.act("A4", LATER, "resolve")
        story.act("A4", LATER + timedelta(minutes=1), "close")
    live = figures()
    assert rolled_outcomes() == live_outcomes()
    assert sla_rollup_refresh(now=LATER + timedelta(hours=1)) == 1
    assert figures() == live
    state = RollupState.objects.get(name=STATE)
    assert state.settled_before == LATER + timedelta(minutes=45)


def test_a_closed_incident_with_a_clock_still_running_stays_live_until_it_breaches(closed):
    # a target that no transition stops (a custom policy): the clock runs on after closing
    due = LATER + timedelta(hours=2)
    SlaClock.objects.filter(object_id=closed["B2"].pk, target="resolution").update(
        running_since=at(10, 10), stopped_at=None, due_at=due, at_risk_at=due - timedelta(hours=1)
    )
    live = figures()
    sla_rollup_refresh(now=LATER)
    assert RollupState.objects.get(name=STATE).settled_before == closed["B2"].closed_at  # pinned
    assert figures() == live
    assert rolled_outcomes() == live_outcomes()

    sla_rollup_refresh(now=due + timedelta(hours=1))  # breached for good now: settled
    assert RollupState.objects.get(name=STATE).settled_before == due + timedelta(minutes=45)
    start, end = period_bounds(FIRST_DAY, LAST_DAY)
    after = timezone.now().replace(year=2027)  # any later instant: the outcome no longer changes
    for now in (due + timedelta(hours=2), after):
        rolled = totals(sla_outcomes(start=start, end=end, service=None, now=now))
        live_ = totals(sla_outcomes(start=start, end=end - timedelta(microseconds=1), service=None, now=now))
        assert rolled == live_


def test_a_time_zone_change_rebuilds_the_roll_up(closed, settings):
    sla_rollup_refresh(now=LATER)
    settings.TIME_ZONE = "Europe/Paris"
    with timezone.override("Europe/Paris"):
        assert sla_rollup_refresh(now=LATER) > 0
        assert RollupState.objects.get(name=STATE).time_zone == "Europe/Paris"
        assert rolled_outcomes() == live_outcomes()


def test_the_beat_task_refreshes(closed):
    with time_machine.travel(LATER, tick=False):
        assert tasks.refresh_sla_rollup() == 5
        assert tasks.refresh_sla_rollup() == 0


def test_the_unsettled_index_matches_the_live_filter():
    """reports migration 0002 spells the statuses of reports_incident_unsettled_idx out; PostgreSQL
    uses the index only while the live filter asks for exactly these."""
    from reports.rollup import UNSETTLED

    assert set(UNSETTLED) == {"new", "acknowledged", "in_progress", "on_hold", "resolved"}
