"""Business-time calendar math for SLA clocks: pure standard library + zoneinfo, no Django.

A `WorkingCalendar` says when the SLA clock runs: weekly wall-clock windows in one time zone,
minus whole-day holidays. Three functions answer every SLA question, all built on one private
primitive (`_windows`) that turns local days into absolute (UTC) working periods:

* `working_intervals(start, end, cal)` - the working periods within ``[start, end)``;
* `business_time_between(start, end, cal)` - how much working time ``[start, end)`` contains;
* `add_business_time(start, duration, cal)` - when ``duration`` of working time has elapsed.

Conventions (all deliberate, all tested in ``core/tests/test_businesstime.py``):

* Inputs must be aware datetimes (naive -> ``ValueError``). Durations are measured in absolute
  elapsed time, never wall-clock differences. Every datetime returned is aware and in **UTC**:
  Python compares and subtracts two datetimes that share a non-UTC ``tzinfo`` by their wall-clock
  fields, which is wrong across DST; UTC results cannot fall into that trap (and are what the
  database stores). Convert for display with ``.astimezone(zone)``.
* A window ``(start, end)`` is half-open wall-clock time ``[start, end)``. ``end == time(0)`` means
  midnight at the *end* of the day (24:00) - the only way to write "until midnight"; do not use
  ``time.max``. A night shift such as 22:00-06:00 is two windows: ``(time(22), time(0))`` on one
  weekday and ``(time(0), time(6))`` on the next.
* Holidays are local dates; a holiday removes every window listed for that date's weekday (so the
  ``00:00-06:00`` half of a night shift that started the evening before still counts).
* DST rule: a window **opens the first time the local clock reaches its start and closes the first
  time the clock reaches its end**. Equivalently: an instant is working time iff the clock's
  high-water mark (the latest wall-clock reading shown so far) lies inside a window. Hence:

  - spring forward: a day loses the skipped hour, and a boundary inside the gap takes effect at
    the jump (a window starting at 02:30 opens when the clock jumps from 02:00 to 03:00);
  - fall back: a window spanning the repeated hour contains it twice, i.e. counts the real, longer
    elapsed time; a boundary inside the repeated hour takes effect at its first occurrence;
  - a local day that does not exist at all (Pacific/Apia, 2011-12-30) has no working time.

  In zoneinfo terms: existing wall times use ``fold=0`` (the earlier occurrence); non-existent
  ones map forward to the transition instant itself (not ``fold=0``'s "shift by the gap length",
  which would open a 02:30 window at 03:30 and can make windows overlap).
* ``add_business_time`` returns the *earliest* instant at which ``duration`` of working time has
  elapsed. So a target reached exactly at closing time is due at closing time (8 h from 09:00 is
  17:00 the same day, not 09:00 the next), a start outside working hours starts the clock at the
  next working instant, and a zero duration is due at ``start`` itself (even outside working
  hours). Negative durations raise ``ValueError``. With this rule the functions are exact
  inverses and additive: ``business_time_between(s, add_business_time(s, d)) == d`` and
  ``add_business_time(add_business_time(s, a), b) == add_business_time(s, a + b)``.
* ``business_time_between`` and ``working_intervals`` raise ``ValueError`` when ``end < start``
  (a reversed interval is a caller bug, e.g. a pause that ends before it starts).
* ``add_business_time`` raises ``ValueError`` instead of looping forever if the calendar has no
  weekly hours, or if ``_MAX_IDLE_DAYS`` (about ten years) of consecutive local days pass without
  any working time (e.g. a holiday list that covers every working day).
* `ALWAYS` (24x7, no holidays) is plain absolute arithmetic:
  ``add_business_time(s, d, ALWAYS) == s + d`` and ``business_time_between(s, e, ALWAYS) == e - s``
  compared as instants (for a ``s`` in a DST zone, Python's own ``s + d`` is wall-clock arithmetic
  and is *not* that instant; ``s.astimezone(UTC) + d`` is).

Cost is one step per local day (never per minute), and `add_business_time` steps over whole weeks
without a holiday or a change of UTC offset at once: a year-long target costs about 60 steps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from types import MappingProxyType
from zoneinfo import ZoneInfo

__all__ = [
    "ALWAYS",
    "WorkingCalendar",
    "add_business_time",
    "business_hours",
    "business_time_between",
    "country_holidays",
    "working_intervals",
]

Window = tuple[time, time]
"""A wall-clock window ``[start, end)``; ``end == time(0)`` means 24:00."""

MIDNIGHT = time(0)
_ONE_DAY = timedelta(days=1)
_ONE_WEEK = timedelta(weeks=1)
_ONE_MICROSECOND = timedelta(microseconds=1)
_MAX_IDLE_DAYS = 3660
"""`add_business_time` gives up after this many consecutive local days without working time."""


@dataclass(frozen=True)
class WorkingCalendar:
    """When the SLA clock runs: weekly wall-clock windows in `time_zone`, minus `holidays`.

    `weekly_hours` maps a weekday (0 = Monday ... 6 = Sunday) to its windows: ``(start, end)`` naive
    `time` pairs, ordered and non-overlapping (touching is allowed), each with ``start < end``,
    where ``end == time(0)`` stands for midnight at the end of the day (24:00). Missing weekdays
    have no working time. The mapping is normalised to a read-only mapping of tuples holding only
    the days that have windows, so equivalent calendars compare equal.
    """

    time_zone: tzinfo
    weekly_hours: Mapping[int, tuple[Window, ...]] = field(hash=False)
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not isinstance(self.time_zone, tzinfo):
            raise TypeError(f"time_zone must be a tzinfo such as ZoneInfo, not {self.time_zone!r}")
        normalised: dict[int, tuple[Window, ...]] = {}
        for weekday, windows in dict(self.weekly_hours).items():
            if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise ValueError(f"weekday keys must be integers 0 (Monday) to 6 (Sunday), not {weekday!r}")
            checked = tuple(_check_window(weekday, window) for window in windows)
            for (_, previous_end), (next_start, _) in zip(checked, checked[1:], strict=False):
                if previous_end == MIDNIGHT or next_start < previous_end:
                    raise ValueError(
                        f"windows of weekday {weekday} must be ordered and non-overlapping: {checked!r}"
                    )
            if checked:
                normalised[weekday] = checked
        object.__setattr__(self, "weekly_hours", MappingProxyType(dict(sorted(normalised.items()))))
        holidays = frozenset(self.holidays)
        for day in holidays:
            if isinstance(day, datetime) or not isinstance(day, date):
                raise TypeError(f"holidays must be dates, not {day!r}")
        object.__setattr__(self, "holidays", holidays)

    @property
    def has_working_time(self) -> bool:
        """Whether any weekday has a window (holidays aside)."""
        return bool(self.weekly_hours)


def _check_window(weekday: int, window: Window) -> Window:
    start, end = window
    for moment in (start, end):
        if not isinstance(moment, time) or moment.tzinfo is not None:
            raise ValueError(f"window bounds must be naive datetime.time values, not {moment!r}")
    if end != MIDNIGHT and not start < end:
        raise ValueError(f"window {start}-{end} on weekday {weekday} must have start < end")
    return (start.replace(fold=0), end.replace(fold=0))


ALWAYS = WorkingCalendar(UTC, {weekday: ((MIDNIGHT, MIDNIGHT),) for weekday in range(7)})
"""24x7 with no holidays: business time is plain elapsed time."""


def business_hours(
    time_zone: str | tzinfo,
    *,
    weekdays: Iterable[int] = range(5),
    start: time = time(9),
    end: time = time(17),
    holidays: Iterable[date] = (),
) -> WorkingCalendar:
    """One window ``[start, end)`` on each of `weekdays` (default Monday-Friday 09:00-17:00)."""
    zone = ZoneInfo(time_zone) if isinstance(time_zone, str) else time_zone
    return WorkingCalendar(zone, {weekday: ((start, end),) for weekday in weekdays}, frozenset(holidays))


def country_holidays(country: str, years: Iterable[int], subdiv: str | None = None) -> frozenset[date]:
    """Public holidays of `country` (ISO 3166 code, optional `subdiv` e.g. ``"BY"``) in `years`,
    from the `holidays` package."""
    import holidays as holidays_package  # lazy: only this helper needs the package

    return frozenset(holidays_package.country_holidays(country, subdiv=subdiv, years=list(years)).keys())


def add_business_time(start: datetime, duration: timedelta, calendar: WorkingCalendar) -> datetime:
    """The earliest instant (aware, UTC) by which `duration` of working time has elapsed after `start`.

    A start outside working hours starts the clock at the next working instant; a zero duration
    returns `start` (in UTC); a negative one raises ``ValueError``, as does a calendar with no
    working time (see the module docstring for the ten-year search bound).
    """
    start_utc = _as_utc(start, "start")
    if not isinstance(duration, timedelta):
        raise TypeError(f"duration must be a timedelta, not {duration!r}")
    if duration < timedelta(0):
        raise ValueError(f"duration must not be negative, got {duration}")
    if not duration:
        return start_utc
    if not calendar.has_working_time:
        raise ValueError("the calendar has no working hours, so no duration can ever elapse")
    remaining = duration
    # The walk reads the live `remaining` to decide whether a whole week can be stepped over.
    for opens, closes in _windows(start_utc, calendar, until=None, remaining=lambda: remaining):  # noqa: B023
        available = closes - opens
        if remaining <= available:
            return opens + remaining
        remaining -= available
    raise AssertionError("unreachable: _windows without `until` never ends")  # pragma: no cover


def business_time_between(start: datetime, end: datetime, calendar: WorkingCalendar) -> timedelta:
    """The working time within ``[start, end)``; ``ValueError`` if ``end < start``."""
    return sum((closes - opens for opens, closes in working_intervals(start, end, calendar)), timedelta(0))


def working_intervals(
    start: datetime, end: datetime, calendar: WorkingCalendar
) -> Iterator[tuple[datetime, datetime]]:
    """The working periods within ``[start, end)`` as ordered, disjoint, non-empty ``(opens, closes)``
    pairs of aware UTC datetimes. Touching periods (e.g. 24:00 and the next day's 00:00) are merged.

    Arguments are validated immediately (``ValueError`` for naive datetimes or ``end < start``).
    """
    start_utc = _as_utc(start, "start")
    end_utc = _as_utc(end, "end")
    if end_utc < start_utc:
        raise ValueError(f"end ({end.isoformat()}) is before start ({start.isoformat()})")
    return _merge_touching(_windows(start_utc, calendar, until=end_utc))


def _as_utc(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, not {moment!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


def _windows(
    start: datetime,
    calendar: WorkingCalendar,
    until: datetime | None,
    remaining: Callable[[], timedelta] | None = None,
) -> Iterator[tuple[datetime, datetime]]:
    """The shared primitive: the calendar's windows from `start` on, day by day, as absolute UTC
    ``(opens, closes)`` pairs clipped to ``[start, until)``, ordered, disjoint and non-empty.

    `start` and `until` are aware UTC. Without `until` the iteration is endless unless the calendar
    stays idle for `_MAX_IDLE_DAYS` consecutive days, which raises ``ValueError``.

    `remaining` (only without `until`) tells how much working time the caller still needs: a whole
    plain week (see `_plain_week`) worth less than that is skipped in one step instead of being
    yielded window by window, so a long target costs one step per week, not per day.

    Every window of local day D lies within ``[first(D 00:00), first(D+1 00:00))`` and `first` is
    monotonic, so windows come out in order and days before start's local date cannot matter.
    """
    zone = calendar.time_zone
    day = start.astimezone(zone).date()
    idle_days = 0
    week = _weekly_total(calendar) if remaining is not None and until is None else timedelta(0)
    while True:
        if until is not None and _first_instant(datetime.combine(day, MIDNIGHT), zone) >= until:
            return
        if week and remaining() > week and _plain_week(day, calendar, after=start):
            yield _skipped_week(day, week, zone)
            idle_days = _trailing_idle_days(day, calendar)
            day += _ONE_WEEK
            continue
        windows = () if day in calendar.holidays else calendar.weekly_hours.get(day.weekday(), ())
        worked = False
        for window_start, window_end in windows:
            opens = _first_instant(datetime.combine(day, window_start), zone)
            closes_local = (
                datetime.combine(day + _ONE_DAY, MIDNIGHT)
                if window_end == MIDNIGHT
                else datetime.combine(day, window_end)
            )
            closes = _first_instant(closes_local, zone)
            if closes <= opens:  # the whole window falls into a spring-forward gap
                continue
            worked = True
            opens = max(opens, start)
            if until is not None:
                closes = min(closes, until)
            if opens < closes:
                yield opens, closes
        if until is None:
            idle_days = 0 if worked else idle_days + 1
            if idle_days > _MAX_IDLE_DAYS:
                raise ValueError(
                    f"the calendar has no working time in {_MAX_IDLE_DAYS} consecutive days up to {day}"
                )
        day += _ONE_DAY


def _weekly_total(calendar: WorkingCalendar) -> timedelta:
    """The working time of a week with no holiday and no change of UTC offset."""
    total = timedelta(0)
    for windows in calendar.weekly_hours.values():
        for window_start, window_end in windows:
            opens = datetime.combine(date.min, window_start)
            closes = (
                datetime.combine(date.min + _ONE_DAY, MIDNIGHT)
                if window_end == MIDNIGHT
                else (datetime.combine(date.min, window_end))
            )
            total += closes - opens
    return total


def _plain_week(day: date, calendar: WorkingCalendar, *, after: datetime) -> bool:
    """Whether the seven local days from `day` hold exactly `_weekly_total`: they begin after `after`
    (nothing is clipped), none is a holiday, and the zone keeps one UTC offset from the first midnight
    to the eighth (so every window lasts as long as its wall-clock length)."""
    if day.year >= date.max.year:
        return False
    if any(day + timedelta(days=offset) in calendar.holidays for offset in range(7)):
        return False
    zone = calendar.time_zone
    midnights = [datetime.combine(day + timedelta(days=offset), MIDNIGHT) for offset in range(8)]
    offsets = {zone.utcoffset(moment) for moment in midnights}
    if len(offsets) != 1:
        return False
    return _first_instant(midnights[0], zone) >= after


def _skipped_week(day: date, week: timedelta, zone: tzinfo) -> tuple[datetime, datetime]:
    """A stand-in for the week's windows: a pseudo-window of the week's total length, opening at the
    week's first midnight. The caller only subtracts its length (its total is below what remains)."""
    opens = _first_instant(datetime.combine(day, MIDNIGHT), zone)
    return opens, opens + week


def _trailing_idle_days(day: date, calendar: WorkingCalendar) -> int:
    """Days without windows at the end of the plain week from `day` (the idle count after it)."""
    idle = 0
    for offset in range(6, -1, -1):
        if calendar.weekly_hours.get((day + timedelta(days=offset)).weekday()):
            break
        idle += 1
    return idle


def _merge_touching(
    windows: Iterator[tuple[datetime, datetime]],
) -> Iterator[tuple[datetime, datetime]]:
    pending: tuple[datetime, datetime] | None = None
    for opens, closes in windows:
        if pending is not None and pending[1] == opens:
            pending = (pending[0], closes)
            continue
        if pending is not None:
            yield pending
        pending = (opens, closes)
    if pending is not None:
        yield pending


def _first_instant(local: datetime, zone: tzinfo) -> datetime:
    """The first instant (aware UTC) at which the clock in `zone` reads the naive `local` or later.

    For a wall time that exists this is its earlier occurrence (``fold=0``). For one inside a
    spring-forward gap it is the transition instant, found by bisection between the two candidate
    instants zoneinfo offers (``fold=1`` lies before the transition, ``fold=0`` after it); this is
    exact to the microsecond for any transition and only runs on transition days.
    """
    earlier = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall(earlier, zone) == local:
        return earlier
    other = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if _wall(other, zone) == local:  # pragma: no cover - only for tzinfos whose fold=0 is the later one
        return min(earlier, other)
    low, high = min(earlier, other), max(earlier, other)  # invariant: wall(low) < local <= wall(high)
    if not (_wall(low, zone) < local <= _wall(high, zone)):  # pragma: no cover - defensive
        raise ValueError(f"cannot place local time {local} in {zone}")
    while high - low > _ONE_MICROSECOND:
        middle = low + (high - low) // 2
        if _wall(middle, zone) >= local:
            high = middle
        else:
            low = middle
    return high


def _wall(instant: datetime, zone: tzinfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)
