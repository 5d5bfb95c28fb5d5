"""The SLA clock of one target, as pure in-memory operations on an `SlaClockBase` instance.

A clock runs in segments. `elapsed` holds the business time of closed segments; while a segment
runs (`running_since` set) the instants at which 50 %, 75 % and 100 % of the target are reached
are stored, computed once with the calendar. Pausing folds the segment into `elapsed`; resuming
opens a new one. Each threshold fires at most once (its `*_at` field records when it fired) and
`next_fire_at` is the earliest instant of a threshold still to fire, the sweep's index.

Nothing here saves or notifies: the caller saves the clock and fires `due_thresholds` in the
same transaction."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.businesstime import WorkingCalendar, add_business_time, business_time_between

from .models import SlaClockBase
from .states import State, state  # noqa: F401 (the one definition, re-exported)


@dataclass(frozen=True)
class Threshold:
    name: str  # event suffix: warning_50, warning_75, breach
    fraction: float
    instant_field: str
    fired_field: str


THRESHOLDS = (
    Threshold("warning_50", 0.5, "half_at", "warned_50_at"),
    Threshold("warning_75", 0.75, "at_risk_at", "warned_75_at"),
    Threshold("breach", 1.0, "due_at", "breached_at"),
)


def is_running(clock: SlaClockBase) -> bool:
    return clock.running_since is not None


def start(clock: SlaClockBase, *, at: datetime, target: timedelta, calendar: WorkingCalendar) -> None:
    """A fresh run from `at`: nothing elapsed, no threshold fired."""
    clock.target_duration = target
    clock.elapsed = timedelta(0)
    clock.stopped_at = None
    for threshold in THRESHOLDS:
        setattr(clock, threshold.fired_field, None)
    _open_segment(clock, at, calendar)


def pause(clock: SlaClockBase, *, at: datetime, calendar: WorkingCalendar) -> None:
    if is_running(clock):
        _close_segment(clock, at, calendar)


def resume(clock: SlaClockBase, *, at: datetime, calendar: WorkingCalendar) -> None:
    """Run again from `at`, keeping the elapsed time (after a pause, or reopening after a stop)."""
    clock.stopped_at = None
    if not is_running(clock):
        _open_segment(clock, at, calendar)


def stop(clock: SlaClockBase, *, at: datetime, calendar: WorkingCalendar) -> None:
    """The target is done with (met or not): no more thresholds will fire."""
    if is_running(clock):
        _close_segment(clock, at, calendar)
    clock.stopped_at = at


def retarget(
    clock: SlaClockBase,
    *,
    at: datetime,
    target: timedelta,
    old_calendar: WorkingCalendar,
    new_calendar: WorkingCalendar,
) -> None:
    """A new target (e.g. after a priority change) keeping the business time already elapsed."""
    running = is_running(clock)
    if running:
        _close_segment(clock, at, old_calendar)
    clock.target_duration = target
    if running:
        _open_segment(clock, at, new_calendar)


def due_thresholds(clock: SlaClockBase, *, now: datetime) -> list[Threshold]:
    """Thresholds reached by `now` that have not fired yet, in order."""
    return [
        threshold
        for threshold in THRESHOLDS
        if getattr(clock, threshold.fired_field) is None
        and (instant := getattr(clock, threshold.instant_field)) is not None
        and instant <= now
    ]


def mark_fired(clock: SlaClockBase, threshold: Threshold, *, at: datetime) -> None:
    setattr(clock, threshold.fired_field, at)
    _schedule(clock)


def remaining(clock: SlaClockBase, *, now: datetime) -> timedelta | None:
    """Wall-clock time until the breach while running; the business time left while paused."""
    if clock.stopped_at is not None:
        return None
    if is_running(clock):
        return clock.due_at - now
    return clock.target_duration - clock.elapsed


def _open_segment(clock: SlaClockBase, at: datetime, calendar: WorkingCalendar) -> None:
    clock.running_since = at
    for threshold in THRESHOLDS:
        left = max(clock.target_duration * threshold.fraction - clock.elapsed, timedelta(0))
        setattr(clock, threshold.instant_field, add_business_time(at, left, calendar))
    _schedule(clock)


def _close_segment(clock: SlaClockBase, at: datetime, calendar: WorkingCalendar) -> None:
    clock.elapsed += business_time_between(clock.running_since, max(at, clock.running_since), calendar)
    clock.running_since = None
    for threshold in THRESHOLDS:
        setattr(clock, threshold.instant_field, None)
    clock.next_fire_at = None


def _schedule(clock: SlaClockBase) -> None:
    pending = [
        getattr(clock, t.instant_field)
        for t in THRESHOLDS
        if getattr(clock, t.fired_field) is None and getattr(clock, t.instant_field) is not None
    ]
    clock.next_fire_at = min(pending, default=None)
