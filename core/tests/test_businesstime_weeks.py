"""`add_business_time` steps over whole weeks: the same answers as the day-by-day walk, much faster."""

import time as stopwatch
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import businesstime
from core.businesstime import WorkingCalendar, add_business_time, business_hours, country_holidays
from core.tests.test_businesstime import BERLIN, CALENDARS, PROPERTY, instants

H = timedelta(hours=1)


def day_by_day(start: datetime, duration: timedelta, calendar: WorkingCalendar) -> datetime:
    """The walk as it was before weeks were skipped: every window of every day."""
    start = start.astimezone(UTC)
    if not duration:
        return start
    remaining = duration
    for opens, closes in businesstime._windows(start, calendar, until=None):
        if remaining <= closes - opens:
            return opens + remaining
        remaining -= closes - opens
    raise AssertionError("unreachable")


long_durations = st.one_of(
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=365)),
    st.integers(0, 365 * 24).map(lambda hours: hours * H),
    st.integers(1, 60).map(lambda weeks: weeks * timedelta(weeks=1)),  # exact multiples of a week's total
    st.integers(1, 60).map(lambda weeks: weeks * 40 * H),
)
calendars = st.sampled_from(list(CALENDARS.values()))


@PROPERTY
@given(start=instants, duration=long_durations, calendar=calendars)
def test_skipping_weeks_gives_the_day_by_day_answer(start, duration, calendar):
    try:
        expected = day_by_day(start, duration, calendar)
    except ValueError as error:
        with pytest.raises(ValueError, match=str(error).split(" up to ")[0]):
            add_business_time(start, duration, calendar)
        return
    assert add_business_time(start, duration, calendar) == expected


def test_weeks_around_holidays_and_dst_are_walked_day_by_day():
    calendar = business_hours("Europe/Berlin", holidays=country_holidays("DE", range(2026, 2029)))
    start = datetime(2026, 3, 20, 16, tzinfo=BERLIN)  # DST starts on 2026-03-29, Easter in April
    for hours in (1, 39, 40, 41, 80, 8 * 250, 8 * 600):
        assert add_business_time(start, hours * H, calendar) == day_by_day(start, hours * H, calendar)


def test_the_idle_day_bound_still_counts_after_skipped_weeks():
    mondays = {date(2027, 1, 4) + timedelta(weeks=n) for n in range(52 * 11)}
    monday_only = WorkingCalendar(BERLIN, {0: ((time(9), time(17)),)}, frozenset(mondays))
    start = datetime(2026, 1, 1, tzinfo=BERLIN)
    with pytest.raises(ValueError, match="consecutive days"):
        add_business_time(start, 8 * H * 60, monday_only)
    assert add_business_time(start, 8 * H * 52, monday_only) == day_by_day(start, 8 * H * 52, monday_only)


def test_a_year_long_target_takes_weeks_not_days():
    calendar = business_hours("UTC")
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)
    steps = 0
    original = businesstime._windows

    def counting(*args, **kwargs):
        nonlocal steps
        for window in original(*args, **kwargs):
            steps += 1
            yield window

    businesstime._windows = counting
    try:
        due = add_business_time(start, timedelta(days=365), calendar)  # 219 weeks of 40 hours
    finally:
        businesstime._windows = original
    assert due == day_by_day(start, timedelta(days=365), calendar)
    assert steps < 230  # one per week (and a few days), not one per working day (~1,095)
    began = stopwatch.perf_counter()
    for _ in range(20):
        add_business_time(start, timedelta(days=365), business_hours("Europe/Berlin"))
    assert (stopwatch.perf_counter() - began) / 20 < 0.05
