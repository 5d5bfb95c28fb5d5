"""`sla_metrics` against the hand-computed story of conftest.py."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.metrics import Compliance, DurationStats, outcome_filters, period_bounds, sla_metrics
from sla import clock as sla_clock
from sla.models import SlaClock

from .conftest import FIRST_DAY, LAST_DAY, NOW, at

pytestmark = pytest.mark.django_db

S = timedelta(seconds=1)
MIN = timedelta(minutes=1)

# priority label → (incidents, response (met, breached), resolution (met, breached))
COMPLIANCE = {
    "P1": (3, (2, 1), (1, 2)),
    "P2": (2, (1, 1), (1, 1)),
    "P3": (3, (3, 0), (1, 1)),
    "P4": (2, (1, 1), (0, 1)),
    "Overall": (10, (7, 3), (3, 5)),
}
PERCENTS = {  # response %, resolution %
    "P1": (66.7, 33.3),
    "P2": (50.0, 50.0),
    "P3": (100.0, 50.0),
    "P4": (50.0, 0.0),
    "Overall": (70.0, 37.5),
}
# MTTA: P1 10, 20, 5 min; P2 5, 40; P3 60, 30, 10; P4 60 (B3 never acknowledged).
# MTTR: P1 90, 180 min; P2 300, 180; P3 240; P4 none.
# p = linear interpolation at rank p × (n − 1): e.g. P1 MTTA p90 = 10 + 0.8 × (20 − 10) = 18 min.
MTTA = {
    "P1": DurationStats(3, 700 * S, 10 * MIN, 18 * MIN),
    "P2": DurationStats(2, 22.5 * MIN, 22.5 * MIN, 36.5 * MIN),
    "P3": DurationStats(3, 2000 * S, 30 * MIN, 54 * MIN),
    "P4": DurationStats(1, 60 * MIN, 60 * MIN, 60 * MIN),
    # 5, 5, 10, 10, 20, 30, 40, 60, 60 min: mean 240 / 9 min, p50 rank 4, p90 rank 7.2
    "Overall": DurationStats(9, 1600 * S, 20 * MIN, 60 * MIN),
}
MTTR = {
    "P1": DurationStats(2, 135 * MIN, 135 * MIN, 171 * MIN),
    "P2": DurationStats(2, 240 * MIN, 240 * MIN, 288 * MIN),
    "P3": DurationStats(1, 240 * MIN, 240 * MIN, 240 * MIN),
    "P4": DurationStats(0, None, None, None),
    # 90, 180, 180, 240, 300 min: mean 198, p50 rank 2 = 180, p90 rank 3.6 = 240 + 0.6 × 60
    "Overall": DurationStats(5, 198 * MIN, 180 * MIN, 276 * MIN),
}
BREACHES = [  # latest first
    ("B4", "resolution", at(16, 1, 30)),  # running past its due time, not swept yet
    ("B3", "resolution", at(12, 10)),
    ("B3", "response", at(11, 14)),
    ("B1", "response", at(9, 10, 40)),
    ("A4", "resolution", at(5, 16)),
    ("A3", "resolution", at(4, 15)),
    ("A2", "resolution", at(3, 12)),
    ("A2", "response", at(3, 9, 20)),
]
AT_RISK = [  # soonest breach first: (name, target, at_risk_at, due_at)
    ("N3", "response", at(16, 9, 57, 30), at(16, 10, 5)),
    ("N1", "resolution", at(16, 9, 50), at(16, 10, 20)),
]
BACKLOG = {  # < 1 h, 1–4 h, 4–24 h, 1–7 d, > 7 d
    "P1": (0, 1, 1, 0, 0),  # N1 1 h 40; B4 10 h 30
    "P2": (1, 0, 0, 0, 1),  # N3 25 min; O1 14 d
    "P3": (1, 0, 0, 1, 1),  # N2 30 min; B5 3 d 23 h; A4 11 d
    "P4": (0, 0, 1, 1, 0),  # B7 12 h; B3 5 d
    "All": (2, 1, 2, 2, 2),
}
WEEKLY = [  # week, Monday, incidents, resolution (met, breached), %
    ("2026-W45", date(2026, 11, 2), 4, (1, 3), 25.0),
    ("2026-W46", date(2026, 11, 9), 6, (2, 2), 50.0),
]


def payments_metrics(scenario, payments, **kwargs):
    start, end = period_bounds(FIRST_DAY, LAST_DAY)
    return sla_metrics(start=start, end=end, service=payments, now=NOW, **kwargs)


def numbers(scenario, name):
    return scenario[name].number


def test_compliance_per_priority(scenario, payments):
    metrics = payments_metrics(scenario, payments)
    found = {
        row.label: (
            row.incidents,
            (row.response.met, row.response.breached),
            (row.resolution.met, row.resolution.breached),
        )
        for row in metrics.priorities
    }
    assert found == COMPLIANCE
    assert {
        row.label: (row.response.percent, row.resolution.percent) for row in metrics.priorities
    } == PERCENTS
    assert [row.label for row in metrics.priorities] == ["P1", "P2", "P3", "P4", "Overall"]


def test_mtta_and_mttr_mean_and_percentiles(scenario, payments):
    metrics = payments_metrics(scenario, payments)
    assert {row.label: row.mtta for row in metrics.priorities} == MTTA
    assert {row.label: row.mttr for row in metrics.priorities} == MTTR


def test_breaches_are_the_breached_clocks_latest_first(scenario, payments):
    metrics = payments_metrics(scenario, payments)
    expected = [(numbers(scenario, name), target, when) for name, target, when in BREACHES]
    assert [(b.number, b.target, b.breached_at) for b in metrics.breaches] == expected
    assert len(metrics.breaches) == metrics.overall.response.breached + metrics.overall.resolution.breached
    first = metrics.breaches[0]
    assert (first.url, first.title, first.priority) == (
        f"/incidents/{scenario['B4'].pk}/",
        "B4 something broke",
        1,
    )


def test_at_risk_now(scenario, payments):
    metrics = payments_metrics(scenario, payments)
    expected = [(numbers(scenario, name), target, risk, due) for name, target, risk, due in AT_RISK]
    assert [(i.number, i.target, i.at_risk_at, i.due_at) for i in metrics.at_risk] == expected
    assert [i.time_left for i in metrics.at_risk] == [5 * MIN, 20 * MIN]
    assert metrics.at_risk[1].url == f"/incidents/{scenario['N1'].pk}/"


def test_backlog_by_priority_and_age(scenario, payments):
    metrics = payments_metrics(scenario, payments)
    assert {row.label: row.counts for row in metrics.backlog} == BACKLOG
    assert metrics.backlog_total.total == 9
    assert metrics.backlog[0].by_bucket == {"lt_1h": 0, "1h_4h": 1, "4h_24h": 1, "1d_7d": 0, "gt_7d": 0}


def test_weekly_trend(scenario, payments):
    metrics = payments_metrics(scenario, payments)
    found = [
        (w.label, w.start, w.incidents, (w.resolution.met, w.resolution.breached), w.resolution.percent)
        for w in metrics.weekly
    ]
    assert found == WEEKLY


def test_weeks_cut_by_the_period_count_only_its_days(scenario, payments):
    start, end = period_bounds(date(2026, 11, 4), date(2026, 11, 10))  # Wednesday to Tuesday
    metrics = sla_metrics(start=start, end=end, service=payments, now=NOW)
    # W45: A3 (breached), A4 (breached); W46: B1 (met), B2 (met)
    assert [(w.label, w.incidents, w.resolution) for w in metrics.weekly] == [
        ("2026-W45", 2, Compliance(0, 2)),
        ("2026-W46", 2, Compliance(2, 0)),
    ]
    assert (metrics.first_day, metrics.last_day) == (date(2026, 11, 4), date(2026, 11, 10))


def test_every_service_includes_the_other_services_incident(scenario):
    start, end = period_bounds(FIRST_DAY, LAST_DAY)
    metrics = sla_metrics(start=start, end=end, now=NOW)
    p4 = metrics.priorities[3]
    assert (p4.incidents, p4.response, p4.resolution) == (3, Compliance(2, 1), Compliance(1, 1))
    assert (p4.mtta, p4.mttr) == (DurationStats(2, *[60 * MIN] * 3), DurationStats(1, *[120 * MIN] * 3))
    assert (metrics.overall.incidents, metrics.overall.response.percent) == (11, 72.7)
    assert metrics.backlog_total.total == 9  # X1 is resolved


def test_cancelled_incidents_are_left_out(scenario, payments):
    start, end = period_bounds(date(2026, 11, 6), date(2026, 11, 6))  # only A5, cancelled
    metrics = sla_metrics(start=start, end=end, service=payments, now=NOW)
    assert metrics.overall.incidents == 0
    assert (metrics.overall.response, metrics.overall.resolution) == (Compliance(), Compliance())
    assert metrics.overall.response.percent is None
    assert metrics.breaches == [] and metrics.weekly[0].incidents == 0


def test_sql_outcomes_agree_with_the_clock_state(scenario):
    """The SQL classification is the twin of sla.clock.state for every clock of the story."""
    met_q, breached_q = outcome_filters(NOW)
    met = set(SlaClock.objects.filter(met_q).values_list("pk", flat=True))
    breached = set(SlaClock.objects.filter(breached_q).values_list("pk", flat=True))
    assert not met & breached
    for clock in SlaClock.objects.all():
        state = sla_clock.state(clock, now=NOW)
        expected = state if state in ("met", "breached") else "unknown"
        found = "met" if clock.pk in met else "breached" if clock.pk in breached else "unknown"
        assert found == expected, (clock.object_id, clock.target)


def test_query_count_does_not_grow_with_the_incidents(story, payments, django_assert_max_num_queries):
    start, end = period_bounds(FIRST_DAY, LAST_DAY)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            sla_metrics(start=start, end=end, service=payments, now=NOW)
        return len(captured)

    for day in (2, 3):
        story.file(f"S{day}", at(day, 9), 1)
    few = queries()
    for day in range(4, 15):
        for priority in (1, 2, 3, 4):
            name = f"M{day}-{priority}"
            story.file(name, at(day, 8 + priority), priority)
            story.act(name, at(day, 9 + priority), "acknowledge")
            if priority % 2:
                story.act(name, at(day, 10 + priority), "resolve")
    # 6 reads, and SAVEPOINT, SET LOCAL random_page_cost, RELEASE around the compliance one
    assert few == queries() == 9
    with django_assert_max_num_queries(9):
        metrics = sla_metrics(start=start, end=end, service=payments, now=NOW)
    assert metrics.overall.incidents == 2 + 11 * 4
