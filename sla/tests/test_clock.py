"""The SLA clock's arithmetic in memory: segments, pauses, re-targeting and thresholds."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.businesstime import ALWAYS, business_hours
from sla import clock
from sla.models import SlaClock

T0 = datetime(2026, 3, 27, 15, 0, tzinfo=UTC)  # Friday 16:00 in Berlin, before the DST weekend
H = timedelta(hours=1)


def new_clock(target=4 * H, calendar=ALWAYS, at=T0):
    c = SlaClock(target="resolution")
    clock.start(c, at=at, target=target, calendar=calendar)
    return c


def test_start_computes_the_three_instants():
    c = new_clock()
    assert (c.half_at, c.at_risk_at, c.due_at, c.next_fire_at) == (
        T0 + 2 * H,
        T0 + 3 * H,
        T0 + 4 * H,
        T0 + 2 * H,
    )


def test_pause_and_resume_add_the_paused_time():
    c = new_clock()
    clock.pause(c, at=T0 + H, calendar=ALWAYS)
    assert (c.elapsed, c.due_at, c.next_fire_at) == (H, None, None)
    assert clock.state(c, now=T0 + 10 * H) == clock.State.PAUSED
    assert clock.remaining(c, now=T0 + 10 * H) == 3 * H
    clock.resume(c, at=T0 + 10 * H, calendar=ALWAYS)
    assert c.due_at == T0 + 13 * H
    assert c.half_at == T0 + 11 * H


def test_pause_twice_and_stop_when_paused_are_harmless():
    c = new_clock()
    clock.pause(c, at=T0 + H, calendar=ALWAYS)
    clock.pause(c, at=T0 + 2 * H, calendar=ALWAYS)
    clock.stop(c, at=T0 + 3 * H, calendar=ALWAYS)
    assert (c.elapsed, c.stopped_at) == (H, T0 + 3 * H)
    assert clock.state(c, now=T0 + 5 * H) == clock.State.MET


def test_business_hours_clock_skips_the_weekend_and_dst():
    berlin = business_hours("Europe/Berlin", start=time(9), end=time(17))
    c = new_clock(target=4 * H, calendar=berlin)
    # 1 h on Friday (16:00-17:00 CET), 3 h on Monday from 09:00 CEST (07:00 UTC): 10:00 UTC.
    assert c.due_at == datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
    assert c.due_at.astimezone(ZoneInfo("Europe/Berlin")).hour == 12


def test_retarget_keeps_elapsed_time():
    c = new_clock(target=8 * H)
    clock.retarget(c, at=T0 + 3 * H, target=4 * H, old_calendar=ALWAYS, new_calendar=ALWAYS)
    assert (c.elapsed, c.target_duration, c.due_at) == (3 * H, 4 * H, T0 + 4 * H)
    assert c.half_at == T0 + 3 * H  # 50 % of the new target had already elapsed: due at once


def test_thresholds_fire_in_order_and_once():
    c = new_clock()
    assert clock.due_thresholds(c, now=T0 + H) == []
    due = clock.due_thresholds(c, now=T0 + 3 * H)
    assert [t.name for t in due] == ["warning_50", "warning_75"]
    for threshold in due:
        clock.mark_fired(c, threshold, at=T0 + 3 * H)
    assert clock.due_thresholds(c, now=T0 + 3 * H) == []
    assert c.next_fire_at == T0 + 4 * H
    [breach] = clock.due_thresholds(c, now=T0 + 5 * H)
    clock.mark_fired(c, breach, at=T0 + 5 * H)
    assert c.next_fire_at is None
    assert clock.state(c, now=T0 + 5 * H) == clock.State.BREACHED


def test_remaining_counts_down_and_goes_negative_when_overdue():
    c = new_clock()
    assert clock.remaining(c, now=T0 + H) == 3 * H
    assert clock.remaining(c, now=T0 + 5 * H) == -H
    clock.stop(c, at=T0 + 5 * H, calendar=ALWAYS)
    assert clock.remaining(c, now=T0 + 6 * H) is None
    assert clock.state(c, now=T0 + 6 * H) == clock.State.BREACHED  # stopped late, never swept
