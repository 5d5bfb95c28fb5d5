"""core/formatting.py: the one duration formatter, in each style, and its template filters."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone

from core.formatting import duration_text

S, M, H, D = 1, 60, 3600, 86400


@pytest.mark.parametrize(
    ("seconds", "clock", "age", "span", "words"),
    [
        (0, "0s", "0m", "0s", "0 s"),
        (12, "12s", "0m", "12s", "12 s"),
        (60, "1m 00s", "1m", "1m", "1 min"),
        (11 * M + 40, "11m 40s", "11m", "11m 40s", "11 min 40 s"),
        (11 * M + 5, "11m 05s", "11m", "11m 05s", "11 min 05 s"),
        (H, "1h 00m", "1h 00m", "1h", "1 h"),
        (2 * H + 5 * M + 59, "2h 05m", "2h 05m", "2h 05m", "2 h 05 min"),
        (3 * D + 4 * H + 5 * M, "3d 4h", "3d 4h", "3d 4h", "3 d 4 h"),
        (2 * D, "2d 0h", "2d 0h", "2d", "2 d"),
        (-(3 * M + 10), "−3m 10s", "−3m", "−3m 10s", "−3 min 10 s"),
    ],
)
def test_styles(seconds, clock, age, span, words):
    delta = timedelta(seconds=seconds)
    assert [duration_text(delta, style) for style in ("clock", "age", "span", "words")] == [
        clock,
        age,
        span,
        words,
    ]


def test_rounds_to_the_second_and_shows_a_dash_for_nothing():
    assert duration_text(timedelta(seconds=699.6), "words") == "11 min 40 s"
    assert duration_text(None, "clock") == "—"


def test_template_filters():
    template = Template(
        '{% load formatting %}{{ d|duration }} · {{ d|duration:"clock" }} · {{ d|duration_iso }}'
    )
    assert template.render(Context({"d": timedelta(minutes=11, seconds=40)})) == (
        "11 min 40 s · 11m 40s · P0DT00H11M40S"
    )


def test_instant_filters_say_what_djangos_date_filter_said_in_the_readers_zone():
    instant = datetime(2026, 11, 16, 10, 0, 30, tzinfo=UTC)
    ours = Template("{% load formatting %}{{ t|local_minute }} · {{ t|local_iso }} · {{ none|local_iso }}.")
    djangos = Template("{{ t|date:'Y-m-d H:i T' }} · {{ t|date:'c' }} · {{ none|date:'c' }}.")
    with timezone.override(ZoneInfo("Asia/Tokyo")):
        shown = ours.render(Context({"t": instant, "none": None}))
        assert shown == "2026-11-16 19:00 JST · 2026-11-16T19:00:30+09:00 · ."
        assert shown == djangos.render(Context({"t": instant, "none": None}))
