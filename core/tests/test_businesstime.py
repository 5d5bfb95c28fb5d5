"""Business-time calendar math: hand-checked examples, DST edge cases and inverse/additivity properties.

Pure functions; no database. Expected values below are worked out by hand in the comments.
"""

import time as stopwatch
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.businesstime import (
    ALWAYS,
    WorkingCalendar,
    add_business_time,
    business_hours,
    business_time_between,
    country_holidays,
    working_intervals,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo(
    "Australia/Lord_Howe"
)  # half-hour DST: 02:00 -> 02:30 in October, 02:00 -> 01:30 in April
APIA = ZoneInfo("Pacific/Apia")  # skipped Friday 2011-12-30 entirely
KOLKATA = ZoneInfo("Asia/Kolkata")

H = timedelta(hours=1)
MIN = timedelta(minutes=1)
US = timedelta(microseconds=1)
EVERY_DAY = range(7)


def at(zone, *args) -> datetime:
    return datetime(*args, tzinfo=zone)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def absolute(moment: datetime) -> datetime:
    """Sort key: aware datetimes sharing a ZoneInfo compare by wall clock in Python, not as instants."""
    return moment.astimezone(UTC)


def daily(zone, *windows) -> WorkingCalendar:
    return WorkingCalendar(zone, {day: windows for day in EVERY_DAY})


OFFICE = business_hours("Europe/Berlin")
NIGHT = daily(BERLIN, (time(0), time(6)))


# --- hand-checked examples: Mon-Fri 09:00-17:00 Europe/Berlin ------------------------------------


def test_friday_afternoon_rolls_over_the_weekend():
    # 30 min left on Friday 2026-06-05, the remaining 90 min from Monday 09:00.
    due = add_business_time(at(BERLIN, 2026, 6, 5, 16, 30), 2 * H, OFFICE)
    assert due == at(BERLIN, 2026, 6, 8, 10, 30)
    assert due.tzinfo is UTC


def test_filed_on_saturday_starts_monday_morning():
    assert add_business_time(at(BERLIN, 2026, 6, 6, 10), 2 * H, OFFICE) == at(BERLIN, 2026, 6, 8, 11)


def test_filed_before_opening_starts_at_opening():
    assert add_business_time(at(BERLIN, 2026, 6, 8, 7), 2 * H, OFFICE) == at(BERLIN, 2026, 6, 8, 11)


def test_holiday_monday_moves_due_to_tuesday():
    calendar = business_hours("Europe/Berlin", holidays={date(2026, 6, 8)})
    assert add_business_time(at(BERLIN, 2026, 6, 5, 16, 30), 2 * H, calendar) == at(
        BERLIN, 2026, 6, 9, 10, 30
    )


def test_full_day_target_is_due_at_closing_not_next_morning():
    assert add_business_time(at(BERLIN, 2026, 6, 8, 9), 8 * H, OFFICE) == at(BERLIN, 2026, 6, 8, 17)
    # One microsecond more spills into Tuesday.
    assert add_business_time(at(BERLIN, 2026, 6, 8, 9), 8 * H + US, OFFICE) == at(
        BERLIN, 2026, 6, 9, 9, 0, 0, 1
    )


def test_filed_at_closing_time_starts_next_working_day():
    assert add_business_time(at(BERLIN, 2026, 6, 5, 17), H, OFFICE) == at(BERLIN, 2026, 6, 8, 10)


def test_zero_duration_is_due_immediately_even_outside_hours():
    saturday = at(BERLIN, 2026, 6, 6, 10)
    assert add_business_time(saturday, timedelta(0), OFFICE) == saturday
    assert add_business_time(saturday, timedelta(0), OFFICE).tzinfo is UTC


def test_lunch_break_is_not_working_time():
    lunch = WorkingCalendar(BERLIN, {day: ((time(9), time(12)), (time(13), time(17))) for day in range(5)})
    monday = (2026, 6, 8)
    assert add_business_time(at(BERLIN, *monday, 11), 2 * H, lunch) == at(BERLIN, *monday, 14)
    assert add_business_time(at(BERLIN, *monday, 12, 30), H, lunch) == at(BERLIN, *monday, 14)
    assert add_business_time(at(BERLIN, *monday, 9), 3 * H, lunch) == at(BERLIN, *monday, 12)
    assert business_time_between(at(BERLIN, *monday, 9), at(BERLIN, *monday, 17), lunch) == 7 * H
    assert list(working_intervals(at(BERLIN, *monday, 0), at(BERLIN, *monday, 23), lunch)) == [
        (utc(*monday, 7), utc(*monday, 10)),
        (utc(*monday, 11), utc(*monday, 15)),
    ]


def test_business_time_between_office_week():
    # Monday 09:00 to Friday 17:00 = 5 x 8 h; the weekend adds nothing.
    assert business_time_between(at(BERLIN, 2026, 6, 8, 9), at(BERLIN, 2026, 6, 12, 17), OFFICE) == 40 * H
    assert business_time_between(at(BERLIN, 2026, 6, 5, 16), at(BERLIN, 2026, 6, 8, 10), OFFICE) == 2 * H
    assert business_time_between(at(BERLIN, 2026, 6, 6), at(BERLIN, 2026, 6, 8), OFFICE) == timedelta(0)


def test_office_hours_across_dst_weekend_use_wall_clock_hours():
    # Clocks spring forward on Sunday 2026-03-29; working hours stay 09:00-17:00 local.
    due = add_business_time(at(BERLIN, 2026, 3, 27, 16), 2 * H, OFFICE)
    assert due == at(BERLIN, 2026, 3, 30, 10)  # 08:00 UTC, not 09:00 UTC
    assert due == utc(2026, 3, 30, 8)
    assert business_time_between(at(BERLIN, 2026, 3, 27, 9), at(BERLIN, 2026, 3, 30, 17), OFFICE) == 16 * H


# --- DST: a calendar that works at night ----------------------------------------------------------


def test_spring_forward_night_has_one_hour_less():
    # 2026-03-29 00:00-06:00 CET/CEST: 02:00-03:00 does not exist, so only 5 real hours.
    sunday, monday = at(BERLIN, 2026, 3, 29), at(BERLIN, 2026, 3, 30)
    assert business_time_between(sunday, monday, NIGHT) == 5 * H
    assert business_time_between(at(BERLIN, 2026, 3, 28), sunday, NIGHT) == 6 * H
    assert business_time_between(monday, at(BERLIN, 2026, 3, 31), NIGHT) == 6 * H
    assert add_business_time(sunday, 5 * H, NIGHT) == at(BERLIN, 2026, 3, 29, 6) == utc(2026, 3, 29, 4)
    assert add_business_time(sunday, 3 * H, NIGHT) == at(BERLIN, 2026, 3, 29, 4)  # 02:xx skipped
    assert add_business_time(sunday, 6 * H, NIGHT) == at(BERLIN, 2026, 3, 30, 1)


def test_fall_back_night_has_one_hour_more():
    # 2026-10-25: 02:00-03:00 happens twice, so 00:00-06:00 lasts 7 real hours.
    sunday, monday = at(BERLIN, 2026, 10, 25), at(BERLIN, 2026, 10, 26)
    assert business_time_between(sunday, monday, NIGHT) == 7 * H
    assert business_time_between(monday, at(BERLIN, 2026, 10, 27), NIGHT) == 6 * H
    assert add_business_time(sunday, 7 * H, NIGHT) == at(BERLIN, 2026, 10, 25, 6) == utc(2026, 10, 25, 5)
    # After 3 h the clock reads 02:00 for the second time (fold=1, CET).
    due = add_business_time(sunday, 3 * H, NIGHT)
    assert due == utc(2026, 10, 25, 1)
    assert due.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 10, 25, 2)
    assert due.astimezone(BERLIN).fold == 1
    assert add_business_time(sunday, 7 * H + MIN, NIGHT) == at(BERLIN, 2026, 10, 26, 0, 1)


def test_new_york_nights_across_both_transitions():
    nights = daily(NEW_YORK, (time(0), time(6)))
    assert business_time_between(at(NEW_YORK, 2026, 3, 8), at(NEW_YORK, 2026, 3, 9), nights) == 5 * H
    assert business_time_between(at(NEW_YORK, 2026, 11, 1), at(NEW_YORK, 2026, 11, 2), nights) == 7 * H
    # 00:00 EDT = 04:00 UTC; two hours later the clock shows 01:00 for the second time (EST).
    assert add_business_time(at(NEW_YORK, 2026, 11, 1), 2 * H, nights) == utc(2026, 11, 1, 6)
    assert add_business_time(at(NEW_YORK, 2026, 3, 8), 5 * H, nights) == at(NEW_YORK, 2026, 3, 8, 6)


def test_new_york_office_hours_across_dst():
    office = business_hours("America/New_York")
    assert add_business_time(at(NEW_YORK, 2026, 10, 30, 16), 2 * H, office) == at(NEW_YORK, 2026, 11, 2, 10)
    assert add_business_time(at(NEW_YORK, 2026, 10, 30, 16), 2 * H, office) == utc(2026, 11, 2, 15)


def test_window_boundaries_inside_the_spring_gap_take_effect_at_the_jump():
    # Clocks jump 02:00 CET -> 03:00 CEST at 01:00 UTC. A window "opening at 02:30" opens at the
    # jump (the clock then reads 03:00 >= 02:30), one "closing at 02:30" closes at the jump.
    opens_in_gap = WorkingCalendar(BERLIN, {6: ((time(2, 30), time(5)),)})
    assert list(working_intervals(at(BERLIN, 2026, 3, 29), at(BERLIN, 2026, 3, 30), opens_in_gap)) == [
        (utc(2026, 3, 29, 1), utc(2026, 3, 29, 3))
    ]
    closes_in_gap = WorkingCalendar(BERLIN, {6: ((time(0), time(2, 30)),)})
    assert list(working_intervals(at(BERLIN, 2026, 3, 29), at(BERLIN, 2026, 3, 30), closes_in_gap)) == [
        (utc(2026, 3, 28, 23), utc(2026, 3, 29, 1))
    ]
    inside_gap = WorkingCalendar(BERLIN, {6: ((time(2, 15), time(2, 45)),)})
    assert business_time_between(at(BERLIN, 2026, 3, 29), at(BERLIN, 2026, 3, 30), inside_gap) == timedelta(0)


def test_window_boundaries_inside_the_repeated_hour_use_the_first_occurrence():
    # 2026-10-25: 03:00 CEST -> 02:00 CET at 01:00 UTC; 02:30 first occurs at 00:30 UTC.
    opens = WorkingCalendar(BERLIN, {6: ((time(2, 30), time(5)),)})
    assert list(working_intervals(at(BERLIN, 2026, 10, 25), at(BERLIN, 2026, 10, 26), opens)) == [
        (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 4))
    ]
    closes = WorkingCalendar(BERLIN, {6: ((time(0), time(2, 30)),)})
    assert list(working_intervals(at(BERLIN, 2026, 10, 25), at(BERLIN, 2026, 10, 26), closes)) == [
        (utc(2026, 10, 24, 22), utc(2026, 10, 25, 0, 30))
    ]


def test_lord_howe_half_hour_shift():
    # 2026-10-04 02:00 -> 02:30 (+10:30 -> +11): a 00:00-06:00 window has 5.5 real hours;
    # 2026-04-05 02:00 -> 01:30 (+11 -> +10:30): 6.5 real hours.
    nights = daily(LORD_HOWE, (time(0), time(6)))
    assert business_time_between(at(LORD_HOWE, 2026, 10, 4), at(LORD_HOWE, 2026, 10, 5), nights) == 5.5 * H
    assert business_time_between(at(LORD_HOWE, 2026, 4, 5), at(LORD_HOWE, 2026, 4, 6), nights) == 6.5 * H


def test_a_skipped_local_day_has_no_working_time():
    office = business_hours("Pacific/Apia")
    # Thursday 2011-12-29 16:00 + 2 h: Friday 30th never happened in Samoa, so Monday 10:00.
    assert add_business_time(at(APIA, 2011, 12, 29, 16), 2 * H, office) == at(APIA, 2012, 1, 2, 10)
    assert business_time_between(at(APIA, 2011, 12, 29, 9), at(APIA, 2012, 1, 2, 17), office) == 16 * H


def test_always_is_plain_absolute_arithmetic_across_dst():
    start = at(BERLIN, 2026, 3, 29, 1)  # 00:00 UTC, one hour before the jump
    assert add_business_time(start, 2 * H, ALWAYS) == utc(2026, 3, 29, 2) == at(BERLIN, 2026, 3, 29, 4)
    # Python's own `start + 2h` is wall-clock arithmetic within the zone and lands an hour early:
    assert (start + 2 * H).astimezone(UTC) == utc(2026, 3, 29, 1)
    assert business_time_between(at(BERLIN, 2026, 10, 25), at(BERLIN, 2026, 10, 25, 6), ALWAYS) == 7 * H
    assert add_business_time(start, timedelta(days=400, microseconds=7), ALWAYS) == start.astimezone(
        UTC
    ) + timedelta(days=400, microseconds=7)
    assert list(working_intervals(start, start + timedelta(days=3), ALWAYS)) == [
        (start.astimezone(UTC), (start + timedelta(days=3)).astimezone(UTC))
    ]


# --- holidays ---------------------------------------------------------------------------------------


def test_country_holidays_germany():
    german = country_holidays("DE", [2026])
    assert {date(2026, 12, 25), date(2026, 12, 26), date(2026, 5, 25), date(2026, 1, 1)} <= german
    assert date(2026, 12, 24) not in german
    assert all(day.year == 2026 for day in german)
    assert date(2026, 1, 6) in country_holidays("DE", [2026], subdiv="BY")
    assert date(2026, 1, 6) not in german


def test_calendar_with_country_holidays_skips_christmas_and_whit_monday():
    calendar = business_hours("Europe/Berlin", holidays=country_holidays("DE", [2026]))
    # Thursday 24 Dec 16:00: one hour left, Fri 25th + Sat 26th holidays, Sunday off -> Monday 10:00.
    assert add_business_time(at(BERLIN, 2026, 12, 24, 16), 2 * H, calendar) == at(BERLIN, 2026, 12, 28, 10)
    # Friday before Whit Monday (2026-05-25) -> Tuesday.
    assert add_business_time(at(BERLIN, 2026, 5, 22, 16, 30), 2 * H, calendar) == at(
        BERLIN, 2026, 5, 26, 10, 30
    )


def test_holiday_removes_only_the_windows_listed_for_that_date():
    # Night shift 22:00-06:00 starting Thursday 2026-12-24: the 22:00-24:00 part belongs to the
    # 24th, the 00:00-06:00 part to the 25th (a holiday), so only 2 h count that night.
    shift = daily(BERLIN, (time(0), time(6)), (time(22), time(0)))
    calendar = WorkingCalendar(BERLIN, shift.weekly_hours, frozenset({date(2026, 12, 25)}))
    night = (at(BERLIN, 2026, 12, 24, 12), at(BERLIN, 2026, 12, 25, 12))
    assert business_time_between(*night, shift) == 8 * H
    assert business_time_between(*night, calendar) == 2 * H


# --- errors and validation ------------------------------------------------------------------------


def test_naive_datetimes_are_rejected():
    with pytest.raises(ValueError, match="aware"):
        add_business_time(datetime(2026, 6, 8, 9), H, OFFICE)
    with pytest.raises(ValueError, match="aware"):
        business_time_between(at(BERLIN, 2026, 6, 8), datetime(2026, 6, 9), OFFICE)
    with pytest.raises(ValueError, match="aware"):
        working_intervals(datetime(2026, 6, 8), at(BERLIN, 2026, 6, 9), OFFICE)  # eager, not on iteration


def test_negative_duration_and_reversed_interval_are_rejected():
    with pytest.raises(ValueError, match="negative"):
        add_business_time(at(BERLIN, 2026, 6, 8, 9), -US, OFFICE)
    with pytest.raises(ValueError, match="before start"):
        business_time_between(at(BERLIN, 2026, 6, 8, 9), at(BERLIN, 2026, 6, 8, 9) - US, OFFICE)
    with pytest.raises(TypeError):
        add_business_time(at(BERLIN, 2026, 6, 8, 9), 3600, OFFICE)
    assert business_time_between(at(BERLIN, 2026, 6, 8, 9), at(BERLIN, 2026, 6, 8, 9), OFFICE) == timedelta(0)


def test_calendar_without_working_time_raises_instead_of_looping():
    empty = WorkingCalendar(BERLIN, {})
    with pytest.raises(ValueError, match="no working hours"):
        add_business_time(at(BERLIN, 2026, 6, 8), H, empty)
    assert add_business_time(at(BERLIN, 2026, 6, 8), timedelta(0), empty) == at(BERLIN, 2026, 6, 8)
    assert business_time_between(at(BERLIN, 2026, 1, 1), at(BERLIN, 2046, 1, 1), empty) == timedelta(0)


def test_holidays_covering_every_working_day_hit_the_search_bound():
    mondays = [date(2026, 1, 5) + timedelta(weeks=n) for n in range(52 * 12)]
    monday_only = WorkingCalendar(BERLIN, {0: ((time(9), time(17)),)}, frozenset(mondays))
    started = stopwatch.perf_counter()
    with pytest.raises(ValueError, match="consecutive days"):
        add_business_time(at(BERLIN, 2026, 1, 1), H, monday_only)
    assert stopwatch.perf_counter() - started < 1
    # Two years of holidays is only a long wait, not an error.
    two_years = WorkingCalendar(BERLIN, monday_only.weekly_hours, frozenset(mondays[:104]))
    assert add_business_time(at(BERLIN, 2026, 1, 1), H, two_years) == at(BERLIN, 2028, 1, 3, 10)


@pytest.mark.parametrize(
    "weekly_hours",
    [
        {0: ((time(9), time(9)),)},  # empty
        {0: ((time(17), time(9)),)},  # reversed (write night shifts as two windows)
        {0: ((time(9), time(12)), (time(11), time(17)))},  # overlapping
        {0: ((time(13), time(17)), (time(9), time(12)))},  # unordered
        {0: ((time(22), time(0)), (time(0), time(1)))},  # nothing can follow 24:00
        {7: ((time(9), time(17)),)},  # no such weekday
        {-1: ((time(9), time(17)),)},
        {0: ((time(9, tzinfo=UTC), time(17)),)},  # aware times are ambiguous
    ],
)
def test_invalid_weekly_hours_are_rejected(weekly_hours):
    with pytest.raises(ValueError):
        WorkingCalendar(BERLIN, weekly_hours)


def test_invalid_zone_and_holidays_are_rejected():
    with pytest.raises(TypeError):
        WorkingCalendar("Europe/Berlin", {})
    with pytest.raises(TypeError):
        WorkingCalendar(BERLIN, {}, frozenset({datetime(2026, 12, 25)}))


def test_calendars_are_normalised_immutable_and_hashable():
    explicit = WorkingCalendar(
        BERLIN, {day: [(time(9), time(17))] for day in range(5)} | {5: ()}, {date(2026, 12, 25)}
    )
    assert explicit == business_hours("Europe/Berlin", holidays=[date(2026, 12, 25)])
    assert hash(explicit) == hash(business_hours("Europe/Berlin", holidays=[date(2026, 12, 25)]))
    assert dict(explicit.weekly_hours) == {day: ((time(9), time(17)),) for day in range(5)}
    with pytest.raises(TypeError):
        explicit.weekly_hours[6] = ()
    assert explicit != OFFICE


def test_touching_windows_are_merged_in_working_intervals():
    split = daily(BERLIN, (time(0), time(12)), (time(12), time(0)))
    start, end = at(BERLIN, 2026, 3, 27, 7), at(BERLIN, 2026, 3, 31, 5)
    assert list(working_intervals(start, end, split)) == [(start.astimezone(UTC), end.astimezone(UTC))]


def test_long_spans_are_fast():
    calendar = business_hours("Europe/Berlin", holidays=country_holidays("DE", range(2026, 2028)))
    start = at(BERLIN, 2026, 1, 1)
    began = stopwatch.perf_counter()
    due = add_business_time(start, 8 * H * 250, calendar)  # about a working year
    year = business_time_between(start, at(BERLIN, 2027, 1, 1), calendar)
    elapsed = stopwatch.perf_counter() - began
    assert business_time_between(start, due, calendar) == 8 * H * 250
    # 261 weekdays minus 7 on weekdays of the 9 national holidays (Oct 3 and Dec 26 are Saturdays).
    assert year == 8 * H * 254
    assert elapsed < 0.2, elapsed


# --- properties -----------------------------------------------------------------------------------

CALENDARS = {
    "always": ALWAYS,
    "berlin office + DE holidays": business_hours(
        "Europe/Berlin", holidays=country_holidays("DE", range(2025, 2029))
    ),
    "berlin night shift": daily(BERLIN, (time(0), time(6)), (time(22), time(0))),
    "new york lunch break + US holidays": WorkingCalendar(
        NEW_YORK,
        {day: ((time(9), time(12)), (time(13), time(17))) for day in range(5)},
        country_holidays("US", range(2025, 2029)),
    ),
    # Boundaries inside New York's gap (02:00-03:00 in March) and repeated hour (01:00-02:00 in Nov).
    "new york DST edges": daily(
        NEW_YORK, (time(0), time(1, 30)), (time(1, 45), time(2, 30)), (time(2, 45), time(4))
    ),
    "lord howe half-hour edges": WorkingCalendar(
        LORD_HOWE,
        {
            day: ((time(1, 45), time(2, 15)), (time(2, 15), time(2, 40)), (time(8), time(20)))
            for day in EVERY_DAY
        },
    ),
    # Sparse (a few hours a week): 30 days of working time take about three years.
    "kolkata sunday mornings": WorkingCalendar(KOLKATA, {6: ((time(7), time(11, 30)),)}),
}

# Local transition dates in 2026 (starts cluster around them) plus ordinary days.
ANCHORS = [
    utc(2026, 3, 29, 1),
    utc(2026, 10, 25, 1),
    utc(2026, 3, 8, 7),
    utc(2026, 11, 1, 6),
    utc(2026, 4, 4, 15),
    utc(2026, 10, 3, 15, 30),
    utc(2026, 12, 24, 12),
    utc(2026, 6, 5, 15),
]
ZONES = [UTC, BERLIN, NEW_YORK, LORD_HOWE, KOLKATA, APIA]

near_transitions = st.builds(
    lambda anchor, offset, zone: (anchor + offset).astimezone(zone),
    st.sampled_from(ANCHORS),
    st.timedeltas(min_value=-timedelta(days=4), max_value=timedelta(days=4)),
    st.sampled_from(ZONES),
)
anywhere = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.sampled_from(ZONES)
)
instants = st.one_of(near_transitions, anywhere)
durations = st.one_of(
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
    st.integers(0, 30 * 24 * 4).map(lambda quarters: quarters * timedelta(minutes=15)),
    st.just(timedelta(0)),
)
calendars = st.sampled_from(list(CALENDARS.values()))
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(start=instants, duration=durations, calendar=calendars)
def test_between_inverts_add(start, duration, calendar):
    due = add_business_time(start, duration, calendar)
    assert due.tzinfo is UTC
    assert due >= start
    assert business_time_between(start, due, calendar) == duration
    if duration:
        # `due` is the earliest such instant: the microsecond before it is working time.
        assert business_time_between(start, due - US, calendar) == duration - US


@PROPERTY
@given(start=instants, span=durations, calendar=calendars)
def test_add_inverts_between_up_to_the_end_of_the_last_working_period(start, span, calendar):
    end = start.astimezone(UTC) + span
    periods = list(working_intervals(start, end, calendar))
    last_working = periods[-1][1] if periods else start.astimezone(UTC)
    assert add_business_time(start, business_time_between(start, end, calendar), calendar) == last_working
    assert last_working <= end


@PROPERTY
@given(start=instants, first=durations, second=durations, calendar=calendars)
def test_add_is_monotonic_and_exactly_additive(start, first, second, calendar):
    shorter, longer = sorted((first, second))
    assert add_business_time(start, shorter, calendar) <= add_business_time(start, longer, calendar)
    # Exact for all non-negative durations, zero and closing-time boundaries included, because the
    # result is always the *earliest* instant (a due time at 17:00 restarts the clock at 17:00).
    midway = add_business_time(start, first, calendar)
    assert add_business_time(midway, second, calendar) == add_business_time(start, first + second, calendar)


@PROPERTY
@given(start=instants, offsets=st.lists(durations, min_size=2, max_size=2), calendar=calendars)
def test_between_is_additive_and_intervals_are_well_formed(start, offsets, calendar):
    start = start.astimezone(UTC)
    middle, end = (start + offset for offset in sorted(offsets))
    assert business_time_between(start, middle, calendar) + business_time_between(
        middle, end, calendar
    ) == business_time_between(start, end, calendar)
    periods = list(working_intervals(start, end, calendar))
    for opens, closes in periods:
        assert opens.tzinfo is UTC and closes.tzinfo is UTC
        assert start <= opens < closes <= end
    for (_, closes), (opens, _) in zip(periods, periods[1:], strict=False):
        assert closes < opens  # disjoint and merged


@PROPERTY
@given(first=instants, second=instants, duration=durations, calendar=calendars)
def test_later_start_is_never_due_earlier(first, second, duration, calendar):
    early, late = sorted((first, second), key=absolute)
    assert add_business_time(early, duration, calendar) <= add_business_time(late, duration, calendar)


@PROPERTY
@given(start=instants, duration=durations, end=instants)
def test_always_equals_plain_arithmetic(start, duration, end):
    assert add_business_time(start, duration, ALWAYS) == start.astimezone(UTC) + duration
    start_utc = start.astimezone(UTC)
    assert add_business_time(start_utc, duration, ALWAYS) == start_utc + duration  # literally `+`
    early, late = sorted((start, end), key=absolute)
    assert business_time_between(early, late, ALWAYS) == late.astimezone(UTC) - early.astimezone(UTC)
    if early.tzinfo is not late.tzinfo or early.tzinfo is UTC:  # else Python's `-` is wall-clock
        assert business_time_between(early, late, ALWAYS) == late - early


@settings(max_examples=100, deadline=None)
@given(
    zone=st.sampled_from([BERLIN, NEW_YORK, LORD_HOWE, APIA, KOLKATA]),
    split=st.booleans(),
    start=st.one_of(near_transitions, st.just(at(APIA, 2011, 12, 29, 20))),
    duration=durations,
)
def test_round_the_clock_in_any_zone_is_real_elapsed_time(zone, split, start, duration):
    windows = ((time(0), time(12)), (time(12), time(0))) if split else ((time(0), time(0)),)
    calendar = daily(zone, *windows)
    due = add_business_time(start, duration, calendar)
    assert due == start.astimezone(UTC) + duration
    assert business_time_between(start, due, calendar) == duration


def high_water_mark_periods(start: datetime, end: datetime, calendar: WorkingCalendar):
    """Independent oracle, minute by minute: an instant is working time iff the highest wall-clock
    reading shown so far (the clock's high-water mark) falls inside a window of its local date.
    Returns the maximal working periods within [start, end) (minute-aligned inputs and windows)."""
    zone = calendar.time_zone
    moment, high, periods = start - timedelta(days=1), None, []
    while moment < end:
        wall = moment.astimezone(zone).replace(tzinfo=None)
        high = wall if high is None or wall > high else high
        working = high.date() not in calendar.holidays and any(
            opens <= high.time() and (closes == time(0) or high.time() < closes)
            for opens, closes in calendar.weekly_hours.get(high.weekday(), ())
        )
        if moment >= start and working:
            if periods and periods[-1][1] == moment:
                periods[-1] = (periods[-1][0], moment + MIN)
            else:
                periods.append((moment, moment + MIN))
        moment += MIN
    return periods


@pytest.mark.parametrize("anchor", ANCHORS)
@pytest.mark.parametrize("name", [name for name in CALENDARS if name != "always"])
def test_matches_minute_by_minute_oracle_around_dst(name, anchor):
    calendar = CALENDARS[name]
    start, end = anchor - timedelta(days=2), anchor + timedelta(days=2)
    expected = high_water_mark_periods(start, end, calendar)
    assert list(working_intervals(start, end, calendar)) == expected
    assert business_time_between(start, end, calendar) == sum((b - a for a, b in expected), timedelta(0))
