"""The figures of the managers' SLA dashboard, computed once by `sla_metrics` for the HTML page, the
CSV export and the JSON API alike. Every figure is an aggregate computed in PostgreSQL, so the number
of queries (six reads, see sla_metrics) does not depend on the number of incidents.

Definitions (also shown on the page):

- Period: incidents *created* in [start, end); the browser and the API pass whole days (`from` and
  `to`, both inclusive, in the server's time zone). Cancelled incidents are left out of every
  period figure. Priority is the incident's current priority.
- Compliance of a target (response or resolution): among the clocks of the period's incidents whose
  outcome is known — stopped (met or breached) or breached while running or paused — met / (met +
  breached), the one classification of `sla.states`. Clocks still running within their target
  and paused clocks are not counted yet.
- MTTA = acknowledged_at − created_at and MTTR = resolved_at − created_at, wall clock, over the
  period's incidents acknowledged / resolved so far. p50 and p90 are continuous percentiles
  (PostgreSQL `percentile_cont`: linear interpolation between the two nearest ranks at position
  p × (n − 1), like numpy's default and Excel's PERCENTILE.INC).
- Breaches: the breached clocks counted above, with the instant of the breach (`breached_at`, or
  the due time when the sweep has not recorded it yet). Paged (PAGE_SIZE); the export streams all.
- At risk now: clocks of open incidents at risk (`sla.states`: running, past 75 %, not yet due).
  Paged like the breaches.
- Backlog: open incidents now, by priority and age (now − created_at) in half-open buckets.
- Weekly trend: per ISO week (Monday to Sunday) of creation, resolution compliance and the number
  of incidents.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    Value,
)
from django.db.models.functions import TruncWeek
from django.urls import reverse
from django.utils import timezone

from catalog.models import Service
from core.periods import period_bounds  # noqa: F401 (callers and tests import it from here)
from core.priority import Priority
from incidents.models import OPEN_STATUSES, Incident, Status
from incidents.sla import TARGET_TEMPLATES
from sla.models.policies import target_label
from sla.selectors import sla_clocks_of
from sla.states import at_risk_q, breach_instant_expression, breached_q, met_q

from .clock_rows import ClockRows, final_breach_q, unswept_breach_q
from .planner import index_probes
from .rollup import sla_outcomes

PRIORITIES = tuple(int(p) for p in Priority)
TARGETS = tuple(TARGET_TEMPLATES)  # response, resolution
TARGET_LABELS = {name: target_label(name) for name in TARGETS}
RESPONSE, RESOLUTION = TARGETS
PAGE_SIZE = 50  # rows per page of the breach and at-risk lists
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class AgeBucket:
    key: str
    label: str
    lower: timedelta  # inclusive
    upper: timedelta | None  # exclusive; None: no upper bound


AGE_BUCKETS = (
    AgeBucket("lt_1h", "< 1 h", timedelta(0), HOUR),
    AgeBucket("1h_4h", "1–4 h", HOUR, 4 * HOUR),
    AgeBucket("4h_24h", "4–24 h", 4 * HOUR, DAY),
    AgeBucket("1d_7d", "1–7 d", DAY, 7 * DAY),
    AgeBucket("gt_7d", "> 7 d", 7 * DAY, None),
)


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile: `percentile_cont(f) WITHIN GROUP (ORDER BY expr)`.
    Works on numbers and on intervals (then it answers an interval)."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        fraction = float(fraction)
        if not 0 <= fraction <= 1:
            raise ValueError("A percentile fraction lies between 0 and 1.")
        super().__init__(expression, fraction=repr(fraction), **extra)


# --- results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compliance:
    met: int = 0
    breached: int = 0

    @property
    def known(self) -> int:
        return self.met + self.breached

    @property
    def percent(self) -> float | None:
        """Met / (met + breached) in %, one decimal; None when no outcome is known yet."""
        return round(100 * self.met / self.known, 1) if self.known else None

    def __add__(self, other: "Compliance") -> "Compliance":
        return Compliance(self.met + other.met, self.breached + other.breached)


@dataclass(frozen=True)
class DurationStats:
    count: int = 0
    mean: timedelta | None = None
    p50: timedelta | None = None
    p90: timedelta | None = None


@dataclass(frozen=True)
class PriorityFigures:
    priority: int | None  # None: every priority
    incidents: int
    response: Compliance
    resolution: Compliance
    mtta: DurationStats
    mttr: DurationStats

    @property
    def label(self) -> str:
        return f"P{self.priority}" if self.priority else "Overall"

    @property
    def times(self) -> tuple[DurationStats, DurationStats]:
        return self.mtta, self.mttr


@dataclass(frozen=True)
class ClockItem:
    """One SLA clock of one incident, for the breach and at-risk lists."""

    incident_id: int
    number: str
    title: str
    priority: int
    target: str
    breached_at: datetime | None = None  # breaches: when it breached
    at_risk_at: datetime | None = None  # at risk: when 75 % was reached
    due_at: datetime | None = None  # at risk: when it will breach
    now: datetime | None = None  # at risk: the instant the list was computed at

    @property
    def url(self) -> str:
        return incident_url(self.incident_id)

    @property
    def time_left(self) -> timedelta | None:
        """At risk: wall-clock time from the computation to the breach."""
        return self.due_at - self.now if self.due_at and self.now else None

    @property
    def target_label(self) -> str:
        return TARGET_LABELS[self.target]

    @property
    def priority_label(self) -> str:
        return f"P{self.priority}"


@cache
def _incident_url_template() -> str:
    return reverse("incidents:detail", args=[0]).replace("/0/", "/{}/")


def incident_url(incident_id: int) -> str:
    """The incident's page, without a reverse() per row."""
    return _incident_url_template().format(incident_id)


def incident_url_template() -> str:
    """The incident's page with `{}` for its id (str.format it per row)."""
    return _incident_url_template()


class Page(list):
    """One page (a list) of a longer list of ClockItems: `total` rows in all, `number` counted from 1.
    `tuples()` streams every row of the full list (server-side cursor), for the export."""

    def __init__(
        self, items, *, number: int, total: int, rows: ClockRows, convert: Callable[[dict], ClockItem]
    ):
        super().__init__(items)
        self.number, self.total, self.page_size = number, total, PAGE_SIZE
        self._rows, self._convert = rows, convert

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def tuples(self, *fields: str) -> Iterator[tuple]:
        """Every row of the full list as plain tuples of `fields` (no model or dataclass per row)."""
        if self._rows is None:
            raise RuntimeError("A cached page keeps its rows only, not the query of the full list.")
        return self._rows.tuples(*fields)

    def __getstate__(self) -> dict:
        """Pickled (reports.figures_cache) without the query of the full list nor its converter."""
        return {**self.__dict__, "_rows": None, "_convert": None}


def _page(rows: ClockRows, convert, *, number: int, total: int | None = None) -> Page:
    """Page `number` of `rows` (one query: the total, unless given, comes with the rows; a count
    only for a page past the end)."""
    offset = (number - 1) * PAGE_SIZE
    if total is None:
        found, total = rows.slice_counted(offset, PAGE_SIZE)
        total = rows.count() if total is None else total
    else:
        found = rows.slice(offset, PAGE_SIZE) if offset < total else []
    return Page([convert(row) for row in found], number=number, total=total, rows=rows, convert=convert)


@dataclass(frozen=True)
class BacklogRow:
    priority: int | None  # None: every priority
    counts: tuple[int, ...]  # one per AGE_BUCKETS entry

    @property
    def label(self) -> str:
        return f"P{self.priority}" if self.priority else "All"

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def by_bucket(self) -> dict[str, int]:
        return {bucket.key: count for bucket, count in zip(AGE_BUCKETS, self.counts, strict=True)}


@dataclass(frozen=True)
class Week:
    start: date  # the Monday
    incidents: int
    resolution: Compliance

    @property
    def label(self) -> str:
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class SlaMetrics:
    start: datetime
    end: datetime
    service: Service | None
    now: datetime
    priorities: list[PriorityFigures]  # P1..P4, then overall
    breaches: Page  # of ClockItems
    at_risk: Page  # of ClockItems
    backlog: list[BacklogRow]  # P1..P4, then all
    weekly: list[Week]

    @property
    def first_day(self) -> date:
        return timezone.localtime(self.start).date()

    @property
    def last_day(self) -> date:
        return timezone.localtime(self.end - timedelta(microseconds=1)).date()

    @property
    def overall(self) -> PriorityFigures:
        return self.priorities[-1]

    @property
    def backlog_total(self) -> BacklogRow:
        return self.backlog[-1]

    @property
    def buckets(self) -> tuple[AgeBucket, ...]:
        return AGE_BUCKETS


# --- computation ----------------------------------------------------------------------------------


def outcome_filters(now: datetime) -> tuple[Q, Q]:
    """(met, breached) as filters on SLA clocks, for the outcomes that are known (breached, or
    stopped within the target): the one definition in sla.states."""
    return met_q(now), breached_q(now)


def _in_period(start: datetime, end: datetime, service: Service | None, prefix: str = "") -> Q:
    condition = Q(**{f"{prefix}created_at__gte": start, f"{prefix}created_at__lt": end}) & ~Q(
        **{f"{prefix}status": Status.CANCELLED}
    )
    if service is not None:
        condition &= Q(**{f"{prefix}service": service})
    return condition


DURATIONS = (("mtta", "acknowledged_at"), ("mttr", "resolved_at"))
PERCENTILES = (("p50", 0.5), ("p90", 0.9))


def _duration_aggregates() -> dict:
    aggregates = {"n_incidents": Count("pk")}
    for key, field in DURATIONS:
        delta = ExpressionWrapper(F(field) - F("created_at"), output_field=DurationField())
        aggregates[f"{key}_count"] = Count(field)
        aggregates[f"{key}_mean"] = Avg(delta, output_field=DurationField())
        for name, fraction in PERCENTILES:
            aggregates[f"{key}_{name}"] = PercentileCont(delta, fraction, output_field=DurationField())
    return aggregates


def _duration_stats(row: dict | None, key: str) -> DurationStats:
    if not row:
        return DurationStats()
    return DurationStats(
        count=row[f"{key}_count"], mean=row[f"{key}_mean"], p50=row[f"{key}_p50"], p90=row[f"{key}_p90"]
    )


def _mondays(start: datetime, end: datetime) -> list[date]:
    first = timezone.localtime(start).date()
    last = timezone.localtime(end - timedelta(microseconds=1)).date()
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def _week_of(value: datetime) -> date:
    return timezone.localtime(value).date()


def sla_metrics(
    *,
    start: datetime,
    end: datetime,
    service: Service | None = None,
    now: datetime | None = None,
    breaches_page: int = 1,
    at_risk_page: int = 1,
) -> SlaMetrics:
    """Every figure of the SLA dashboard for incidents created in [start, end), optionally of one
    service, as of `now` (default: the current time), with one page of the breach and at-risk lists.
    Six reads whatever the data (the compliance one in a transaction that sets its planner cost)."""
    now = now or timezone.now()
    period_incidents = Incident.objects.filter(_in_period(start, end, service)).order_by()
    period_clocks = sla_clocks_of(Incident).filter(_in_period(start, end, service, "incident__")).order_by()
    open_incidents = Incident.objects.filter(status__in=OPEN_STATUSES).order_by()
    if service is not None:
        open_incidents = open_incidents.filter(service=service)

    with index_probes():  # one transaction for the heavy two (reports/planner.py)
        by_priority, by_week = _compliance(start=start, end=end, service=service, now=now)  # 1 query
        priorities = _priority_figures(period_incidents, by_priority)  # 1 query
    breached = priorities[-1].response.breached + priorities[-1].resolution.breached
    return SlaMetrics(
        start=start,
        end=end,
        service=service,
        now=now,
        priorities=priorities,
        breaches=_page(*_breaches(period_clocks, now), number=breaches_page, total=breached),  # 1 query
        at_risk=_page(*_at_risk(open_incidents, now), number=at_risk_page),  # 1 query
        backlog=_backlog(open_incidents, now),  # 1 query
        weekly=_weekly(period_incidents, by_week, start, end),  # 1 query
    )


def _compliance(
    *, start: datetime, end: datetime, service: Service | None, now: datetime
) -> tuple[dict[tuple[int, str], Compliance], dict[date, Compliance]]:
    """Met and breached clocks per (priority, target) and, for resolution, per week of creation
    (reports.rollup: the daily roll-up plus the live remainder, one query)."""
    by_priority: dict[tuple[int, str], Compliance] = {}
    by_week: dict[date, Compliance] = {}
    for priority, target, day, met, breached in sla_outcomes(start=start, end=end, service=service, now=now):
        found = Compliance(met, breached)
        by_priority[priority, target] = by_priority.get((priority, target), Compliance()) + found
        if target == RESOLUTION:
            week = day - timedelta(days=day.weekday())
            by_week[week] = by_week.get(week, Compliance()) + found
    return by_priority, by_week


def _priority_figures(period_incidents, by_priority) -> list[PriorityFigures]:
    """P1..P4 and overall; MTTA/MTTR per priority and overall (percentiles do not add up)."""
    aggregates = _duration_aggregates()
    per_priority = period_incidents.values("priority").annotate(**aggregates)
    # the overall row (priority NULL; an incident always has one) in the same statement
    everything = (
        period_incidents.annotate(every=Value(None, output_field=IntegerField()))
        .values("every")
        .annotate(**aggregates)
    )
    durations = {row["priority"]: row for row in per_priority.union(everything, all=True)}
    overall = durations[None]
    figures = []
    for priority in PRIORITIES:
        row = durations.get(priority)
        figures.append(
            PriorityFigures(
                priority=priority,
                incidents=row["n_incidents"] if row else 0,
                response=by_priority.get((priority, RESPONSE), Compliance()),
                resolution=by_priority.get((priority, RESOLUTION), Compliance()),
                mtta=_duration_stats(row, "mtta"),
                mttr=_duration_stats(row, "mttr"),
            )
        )
    figures.append(
        PriorityFigures(
            priority=None,
            incidents=overall["n_incidents"],
            response=sum((f.response for f in figures), Compliance()),
            resolution=sum((f.resolution for f in figures), Compliance()),
            mtta=_duration_stats(overall, "mtta"),
            mttr=_duration_stats(overall, "mttr"),
        )
    )
    return figures


def _weekly(period_incidents, by_week: dict[date, Compliance], start: datetime, end: datetime) -> list[Week]:
    per_week = period_incidents.annotate(week=TruncWeek("created_at")).values("week").annotate(n=Count("pk"))
    incidents = {_week_of(row["week"]): row["n"] for row in per_week}
    return [
        Week(start=monday, incidents=incidents.get(monday, 0), resolution=by_week.get(monday, Compliance()))
        for monday in _mondays(start, end)
    ]


_ITEM_FIELDS = ("object_id", "incident__number", "incident__title", "incident__priority", "target")


def _clock_item(row: dict, **extra) -> ClockItem:
    return ClockItem(
        incident_id=row["object_id"],
        number=row["incident__number"],
        title=row["incident__title"],
        priority=row["incident__priority"],
        target=row["target"],
        **extra,
    )


BREACH_ORDER = ("-breach_instant", "object_id", "-target")


def _breaches(period_clocks, now: datetime) -> tuple:
    """The breached clocks counted in the compliance figures, latest breach first: (rows, convert).
    Two branches (reports.clock_rows), each read in the order of its index."""
    instant = breach_instant_expression()
    final = period_clocks.filter(final_breach_q()).annotate(breach_instant=instant)
    # breach_instant = due_at here: the bound lets the index range start at now
    unswept = period_clocks.filter(unswept_breach_q(now)).annotate(breach_instant=instant)
    rows = ClockRows(
        branches=[
            final.values(*_ITEM_FIELDS, "breach_instant"),
            unswept.filter(breach_instant__lte=now).values(*_ITEM_FIELDS, "breach_instant"),
        ],
        order=BREACH_ORDER,
    )
    return rows, lambda row: _clock_item(row, breached_at=row["breach_instant"])


def _at_risk(open_incidents, now: datetime) -> tuple:
    """Running clocks of open incidents past 75 % and not yet due (`state` = at_risk), soonest first:
    (rows, convert)."""
    rows = (
        sla_clocks_of(Incident)
        .filter(at_risk_q(now), object_id__in=open_incidents.values("pk"))
        .values(*_ITEM_FIELDS, "at_risk_at", "due_at")
    )
    return (
        ClockRows(branches=[rows], order=("due_at", "object_id", "-target")),
        lambda row: _clock_item(row, at_risk_at=row["at_risk_at"], due_at=row["due_at"], now=now),
    )


def _backlog(open_incidents, now: datetime) -> list[BacklogRow]:
    counts = {bucket.key: Count("pk", filter=_age_filter(bucket, now)) for bucket in AGE_BUCKETS}
    counted = {row["priority"]: row for row in open_incidents.values("priority").annotate(**counts)}
    rows = [
        BacklogRow(
            priority=priority,
            counts=tuple(counted.get(priority, {}).get(bucket.key, 0) for bucket in AGE_BUCKETS),
        )
        for priority in PRIORITIES
    ]
    totals = tuple(sum(column) for column in zip(*(row.counts for row in rows), strict=True))
    return [*rows, BacklogRow(priority=None, counts=totals)]


def _age_filter(bucket: AgeBucket, now: datetime) -> Q:
    """age = now − created_at in [lower, upper); incidents stamped after `now` count as newest."""
    condition = Q(created_at__lte=now - bucket.lower) if bucket.lower else Q()
    if bucket.upper is not None:
        condition &= Q(created_at__gt=now - bucket.upper)
    return condition
