"""A cancelled incident has no SLA outcome: its clocks stopped because it was withdrawn, not because
the work was done in time. The SLA reports leave them out of met and breached alike, whether the
figures come live or through the daily roll-up (reports.rollup)."""

from datetime import timedelta

import pytest

from reports.metrics import period_bounds, sla_metrics
from reports.rollup import sla_outcomes, sla_rollup_refresh
from sla import states
from sla.models import SlaClock

from .conftest import NOW, at

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(hours=1)


@pytest.fixture
def withdrawn(scenario, story):
    """On 11-06 (A5's day): A5 cancelled while new; C1 acknowledged in time, then cancelled; C2
    acknowledged in time and resolved (the one real outcome of the day: met, met)."""
    story.file("C1", at(6, 14), 2)
    story.act("C1", at(6, 14, 5), "acknowledge")
    story.act("C1", at(6, 15), "cancel")
    story.file("C2", at(6, 16), 2)
    story.act("C2", at(6, 16, 5), "acknowledge")
    story.act("C2", at(6, 17), "resolve")
    return scenario


def outcomes_of_the_day(*, whole_days: bool) -> tuple[int, int]:
    start, end = period_bounds(at(6, 0).date(), at(6, 0).date())
    if not whole_days:
        end -= timedelta(microseconds=1)  # not whole days: everything counted live
    rows = sla_outcomes(start=start, end=end, service=None, now=NOW)
    return sum(row[3] for row in rows), sum(row[4] for row in rows)


def test_the_clocks_of_cancelled_incidents_would_read_met_without_the_exclusion(withdrawn):
    """The premise: C1's response clock stopped within its target, which the SQL alone calls met."""
    response = SlaClock.objects.get(object_id=withdrawn["C1"].pk, target="response")
    assert SlaClock.objects.filter(states.met_q(NOW), pk=response.pk).exists()
    assert states.state(response, now=NOW, cancelled=True) == states.State.CANCELLED


@pytest.mark.parametrize("refreshed", [False, True], ids=["live", "after a roll-up refresh"])
def test_cancelled_incidents_count_neither_as_met_nor_as_breached(withdrawn, story, refreshed):
    story.act("C2", at(6, 18), "close")  # settled by the refresh
    if refreshed:
        assert sla_rollup_refresh(now=LATER) > 0
    assert outcomes_of_the_day(whole_days=True) == (2, 0)  # C2's response and resolution only
    assert outcomes_of_the_day(whole_days=False) == (2, 0)
    start, end = period_bounds(at(6, 0).date(), at(6, 0).date())
    overall = sla_metrics(start=start, end=end, now=NOW).overall
    assert overall.incidents == 1
    assert (overall.response.met, overall.response.breached) == (1, 0)
    assert (overall.resolution.met, overall.resolution.breached) == (1, 0)
