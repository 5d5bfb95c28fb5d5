"""The one definition of an SLA clock's state, in Python and in SQL side by side: each predicate
below has its `*_q` twin (a filter on SlaClock, optionally through a relation `prefix` such as
"sla_clocks__"), and sla/tests/test_states.py checks that they agree. Every page, filter, list and
report classifies clocks through this module.

- breached: the breach fired, or the clock runs past its due time, or it stopped after its target;
- met: stopped within its target and not breached;
- cancelled: stopped within its target because the record was withdrawn (cancelled): no outcome, so
  neither met nor breached (the caller says so: a clock does not know why it stopped);
- at risk: running, not breached, past 75 % of its target (`at_risk_at`);
- paused: not running, not stopped, not breached;
- on track: running, before 75 %."""

from datetime import datetime

from django.db.models import Case, DateTimeField, F, Q, When
from django.db.models.functions import Coalesce, Least

from .models import SlaClockBase


class State:
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"
    PAUSED = "paused"
    CANCELLED = "cancelled"


def is_breached(clock: SlaClockBase, *, now: datetime) -> bool:
    return (
        clock.breached_at is not None
        or (clock.running_since is not None and clock.due_at <= now)
        or (clock.stopped_at is not None and clock.elapsed > clock.target_duration)
    )


def breached_q(now: datetime, prefix: str = "") -> Q:
    p = prefix
    return (
        Q(**{f"{p}breached_at__isnull": False})
        | Q(**{f"{p}running_since__isnull": False, f"{p}due_at__lte": now})
        | Q(**{f"{p}stopped_at__isnull": False, f"{p}elapsed__gt": F(f"{p}target_duration")})
    )


def breached_from(clock: SlaClockBase) -> datetime | None:
    """From when the clock counts as breached, as it stands (None: not breached and cannot breach
    without a change): the earliest of its recorded breach, its deadline while it runs, and its stop
    after the target. `is_breached(clock, now=now)` is `breached_from(clock) <= now` (a breach is
    recorded and a clock stopped no later than now), so a record can store the earliest of its
    clocks' and filter on that one column (Incident.sla_breached_from). Firing the breach changes
    nothing: a running clock's deadline precedes its recorded breach."""
    late_stop = (
        clock.stopped_at if clock.stopped_at is not None and clock.elapsed > clock.target_duration else None
    )
    running_due = clock.due_at if clock.running_since is not None else None
    return min((t for t in (clock.breached_at, running_due, late_stop) if t is not None), default=None)


def breached_from_expression(prefix: str = "") -> Least:
    """`breached_from` in SQL, per clock (PostgreSQL's LEAST skips NULLs); Min() of it per record."""
    p = prefix
    return Least(
        F(f"{p}breached_at"),
        Case(
            When(**{f"{p}running_since__isnull": False}, then=F(f"{p}due_at")), output_field=DateTimeField()
        ),
        Case(
            When(
                Q(**{f"{p}stopped_at__isnull": False, f"{p}elapsed__gt": F(f"{p}target_duration")}),
                then=F(f"{p}stopped_at"),
            ),
            output_field=DateTimeField(),
        ),
    )


def breach_instant(clock: SlaClockBase) -> datetime | None:
    """When a breached clock breached: recorded by the sweep, else its due time, else its stop."""
    return clock.breached_at or clock.due_at or clock.stopped_at


def breach_instant_expression(prefix: str = "") -> Coalesce:
    return Coalesce(f"{prefix}breached_at", f"{prefix}due_at", f"{prefix}stopped_at")


def is_met(clock: SlaClockBase, *, now: datetime) -> bool:
    return clock.stopped_at is not None and not is_breached(clock, now=now)


def met_q(now: datetime, prefix: str = "") -> Q:
    p = prefix
    return Q(
        **{
            f"{p}stopped_at__isnull": False,
            f"{p}breached_at__isnull": True,
            f"{p}elapsed__lte": F(f"{p}target_duration"),
        }
    ) & (Q(**{f"{p}running_since__isnull": True}) | Q(**{f"{p}due_at__gt": now}))


def is_at_risk(clock: SlaClockBase, *, now: datetime) -> bool:
    return (
        clock.running_since is not None
        and clock.stopped_at is None
        and not is_breached(clock, now=now)
        and clock.at_risk_at <= now
    )


def at_risk_q(now: datetime, prefix: str = "") -> Q:
    p = prefix
    return Q(
        **{
            f"{p}running_since__isnull": False,
            f"{p}stopped_at__isnull": True,
            f"{p}breached_at__isnull": True,
            f"{p}at_risk_at__lte": now,
            f"{p}due_at__gt": now,
        }
    )


def state(clock: SlaClockBase, *, now: datetime, cancelled: bool = False) -> str:
    """`cancelled`: the record was cancelled, so a stopped clock that did not breach has no outcome."""
    if is_breached(clock, now=now):
        return State.BREACHED
    if clock.stopped_at is not None:
        return State.CANCELLED if cancelled else State.MET
    if clock.running_since is None:
        return State.PAUSED
    return State.AT_RISK if is_at_risk(clock, now=now) else State.ON_TRACK
