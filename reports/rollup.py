"""The SLA dashboard's compliance figures from a daily roll-up plus a live remainder, in one SQL
statement (one snapshot, so a refresh committing meanwhile cannot count a clock twice or not at all).

Settled: the stopped (not running) clocks of incidents closed before `RollupState.settled_before`
(reports/models.py says why their outcome is final). `sla_rollup_refresh` adds the incidents closed
since the last refresh by recomputing, whole, the days they were created on: idempotent, and safe to
run in parallel (the state row is locked). Everything not settled is counted live, with the one
classification of sla.states, so roll-up + live = the live figures of the same period, exactly."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, DateTimeField, Exists, Min, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from catalog.models import Service
from incidents.models import Incident, Status
from sla.selectors import sla_clocks_of
from sla.states import breached_q, met_q

from .models import RollupState, SlaDailyOutcome
from .planner import index_probes

STATE = "sla_outcomes"
# Every status but closed (settled once the roll-up passes its closing time) and cancelled (left out).
UNSETTLED = tuple(status for status in Status.values if status not in (Status.CLOSED, Status.CANCELLED))
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
END_OF_TIME = datetime(9999, 12, 31, tzinfo=UTC)
# A refresh settles incidents closed before now − this margin: a transaction that closed an incident
# just before the refresh but commits after it is still counted (live now, rolled up next time).
SETTLE_MARGIN = timedelta(minutes=15)
BATCH = 2000

# (priority, target, day of creation, met, breached)
OutcomeRow = tuple[int, str, date, int, int]


def _in_period(start: datetime, end: datetime, service: Service | None) -> Q:
    condition = Q(incident__created_at__gte=start, incident__created_at__lt=end) & ~Q(
        incident__status=Status.CANCELLED
    )
    if service is not None:
        condition &= Q(incident__service=service)
    return condition


# The dimensions an outcome count may be grouped by: the roll-up's column → the clock's lookup.
DIMENSIONS = {
    "priority": "incident__priority",
    "target": "target",
    "day": "day",
    "service": "incident__service",
    "assignment_group": "incident__assignment_group",
    "assignee": "incident__assignee",
}
# What sla_outcomes groups by, and what the roll-up keeps.
OUTCOME_KEYS = ("priority", "target", "day")
ROLLUP_KEYS = ("priority", "target", "day", "service", "assignment_group", "assignee")


def _grouped(clocks, now: datetime, keys=OUTCOME_KEYS, *, tzinfo=None):
    lookups = [DIMENSIONS[key] for key in keys]
    if "day" in keys:
        clocks = clocks.annotate(day=TruncDate("incident__created_at", tzinfo=tzinfo))
    return (
        clocks.order_by()
        .values(*lookups)
        .annotate(met=Count("pk", filter=met_q(now)), breached=Count("pk", filter=breached_q(now)))
        .values_list(*lookups, "met", "breached")
    )


def _is_midnight(instant: datetime, tz) -> bool:
    return timezone.localtime(instant, tz).time() == time.min


def sla_outcomes(
    *, start: datetime, end: datetime, service: Service | None, now: datetime
) -> list[OutcomeRow]:
    """Met and breached clocks of the incidents created in [start, end) (cancelled ones left out),
    per priority × target × day of creation (in the current time zone; several rows may share a
    key: add them up). One query. Uses the roll-up when the period is whole days of the roll-up's
    time zone, else counts everything live."""
    return outcome_counts(start=start, end=end, service=service, now=now, keys=OUTCOME_KEYS)


def outcome_counts(
    *, start: datetime, end: datetime, service: Service | None, now: datetime, keys: tuple[str, ...]
) -> list[tuple]:
    """(*keys, met, breached) of the clocks of the incidents created in [start, end), grouped by
    `keys` (names among ROLLUP_KEYS; several rows may share a key: add them up). One query, like
    sla_outcomes; "assignment_group" and "assignee" are the incident's (final once it is settled)."""
    clocks = sla_clocks_of(Incident).filter(_in_period(start, end, service))
    tz_name = timezone.get_default_timezone_name()
    tz = timezone.get_default_timezone()
    whole_days = (
        timezone.get_current_timezone_name() == tz_name and _is_midnight(start, tz) and _is_midnight(end, tz)
    )
    if not whole_days:
        return list(_grouped(clocks, now, keys))
    state = RollupState.objects.filter(name=STATE, time_zone=tz_name)
    settled_before = Coalesce(
        Subquery(state.values("settled_before")[:1]), Value(EPOCH), output_field=DateTimeField()
    )
    # live: incidents not closed (through reports_incident_unsettled_idx) or closed since the roll-up
    live = _grouped(clocks.filter(incident__status__in=UNSETTLED), now, keys)
    # closed since the roll-up, through reports_incident_closed_at_idx: the upper bound (always true)
    # makes the closing-time condition a range, which the planner estimates as narrow; with the
    # subquery's lower bound alone it guesses a third of all closed incidents and scans the period by
    # creation instead (40-70 ms for no row at 1M incidents)
    recent = _grouped(
        clocks.filter(
            incident__status=Status.CLOSED,
            incident__closed_at__gte=settled_before,
            incident__closed_at__lt=END_OF_TIME,
        ),
        now,
        keys,
    )
    first_day = timezone.localtime(start, tz).date()
    last_day = timezone.localtime(end, tz).date() - timedelta(days=1)
    rolled = SlaDailyOutcome.objects.filter(Exists(state), day__gte=first_day, day__lte=last_day)
    if service is not None:
        rolled = rolled.filter(service=service)
    rolled = (
        rolled.order_by()
        .values(*keys)
        .annotate(met_sum=Sum("met"), breached_sum=Sum("breached"))
        .values_list(*keys, "met_sum", "breached_sum")
    )
    with index_probes():  # reports/planner.py
        return list(live.union(recent, rolled, all=True))


def _day_ranges(days: Iterable[date], tz) -> Q:
    """Incidents created on any of `days` (local dates in `tz`), as few created_at ranges as possible."""
    condition, run = Q(), []
    for day in sorted(days):
        if run and day != run[-1] + timedelta(days=1):
            condition |= _range(run[0], run[-1], tz)
            run = []
        run.append(day)
    if run:
        condition |= _range(run[0], run[-1], tz)
    return condition


def _range(first: date, last: date, tz) -> Q:
    return Q(
        incident__created_at__gte=datetime.combine(first, time.min, tzinfo=tz),
        incident__created_at__lt=datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz),
    )


def _pinned(since: datetime, until: datetime) -> datetime:
    """`until`, or earlier: the closing time of the first incident closed in [since, until) that still
    has a running clock whose outcome is open (not breached as of `until`; only a target that no
    transition stops leaves one). Such a clock breaches at its due time and stays breached, so the
    roll-up settles that incident once its due time has passed; until then it, and every incident
    closed after it, is counted live."""
    pending = sla_clocks_of(Incident).filter(
        ~breached_q(until),
        running_since__isnull=False,
        incident__status=Status.CLOSED,
        incident__closed_at__gte=since,
        incident__closed_at__lt=until,
    )
    first = pending.aggregate(first=Min("incident__closed_at"))["first"]
    return min(first, until) if first else until


def sla_rollup_refresh(*, now: datetime | None = None) -> int:
    """Settle the incidents closed since the last refresh (up to now − SETTLE_MARGIN, see _pinned):
    recompute the roll-up rows of the days they were created on. Returns the number of days
    recomputed. When the time zone setting changed, rebuilds everything."""
    now = now or timezone.now()
    settle_before = now - SETTLE_MARGIN
    tz = timezone.get_default_timezone()
    tz_name = timezone.get_default_timezone_name()
    with transaction.atomic():
        state, _ = RollupState.objects.select_for_update().get_or_create(
            name=STATE, defaults={"settled_before": EPOCH, "time_zone": tz_name}
        )
        if state.time_zone != tz_name:
            SlaDailyOutcome.objects.all().delete()
            state.settled_before, state.time_zone = EPOCH, tz_name
        settle_before = _pinned(state.settled_before, settle_before)
        if settle_before <= state.settled_before:
            state.save(update_fields=["settled_before", "time_zone"])
            return 0
        newly_closed = Incident.objects.filter(
            status=Status.CLOSED, closed_at__gte=state.settled_before, closed_at__lt=settle_before
        )
        days = set(
            newly_closed.order_by()
            .annotate(day=TruncDate("created_at", tzinfo=tz))
            .values_list("day", flat=True)
            .distinct()
        )
        if days:
            SlaDailyOutcome.objects.filter(day__in=days).delete()
            settled = sla_clocks_of(Incident).filter(
                _day_ranges(days, tz),
                incident__status=Status.CLOSED,
                incident__closed_at__lt=settle_before,
            )
            grouped = _grouped(settled, settle_before, ROLLUP_KEYS, tzinfo=tz)
            SlaDailyOutcome.objects.bulk_create(
                [
                    SlaDailyOutcome(
                        day=day,
                        priority=priority,
                        target=target,
                        service_id=service_id,
                        assignment_group_id=group_id,
                        assignee_id=assignee_id,
                        met=met,
                        breached=breached,
                    )
                    for priority, target, day, service_id, group_id, assignee_id, met, breached in grouped
                ],
                batch_size=BATCH,
            )
        state.settled_before = settle_before
        state.save(update_fields=["settled_before", "time_zone"])
    return len(days)
