"""The one duration formatter: every page, e-mail and export says durations the same way.

The two most significant units are shown, the second zero-padded below hours: "2h 05m", "3d 4h",
"14m 00s". A style says which unit words to use, the smallest unit, and whether a zero second part
is kept (countdowns keep it so the text does not jump while it ticks):

    duration_text(delta, "clock")   14m 00s · 1h 05m · 3d 4h        (countdowns; opsdesk.js says the same)
    duration_text(delta, "age")     0m · 5m · 2h 05m · 3d 4h         (how old a record is)
    duration_text(delta, "span")    15m · 1h 30m · 2d · 30s          (a configured target or delay)
    duration_text(delta, "words")   12 s · 11 min 40 s · 2 h 05 min  (reports)

Negative durations get a minus sign; None is an em dash. In templates: `{% load formatting %}`
then `{{ delta|duration:"words" }}` and `{{ delta|duration_iso }}` for `<time datetime>`."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils.duration import duration_iso_string

_SIZES = (86400, 3600, 60, 1)
_COMPACT = ("d", "h", "m", "s")
_WORDS = (" d", " h", " min", " s")


@dataclass(frozen=True)
class DurationStyle:
    labels: tuple[str, str, str, str]  # days, hours, minutes, seconds
    smallest: int  # seconds in the smallest unit shown
    keep_zero: bool  # "2h 00m" rather than "2h"


STYLES = {
    "clock": DurationStyle(_COMPACT, 1, keep_zero=True),
    "age": DurationStyle(_COMPACT, 60, keep_zero=True),
    "span": DurationStyle(_COMPACT, 1, keep_zero=False),
    "words": DurationStyle(_WORDS, 1, keep_zero=False),
}
EMPTY = "—"


def duration_text(value: timedelta | None, style: str) -> str:
    if value is None:
        return EMPTY
    chosen = STYLES[style]
    units = [
        (size, label) for size, label in zip(_SIZES, chosen.labels, strict=True) if size >= chosen.smallest
    ]
    seconds = round(value.total_seconds())
    sign, seconds = ("−" if seconds < 0 else ""), abs(seconds)
    lead = next((i for i, (size, _) in enumerate(units) if seconds >= size), len(units) - 1)
    size, label = units[lead]
    text = f"{seconds // size}{label}"
    if lead + 1 < len(units):
        minor_size, minor_label = units[lead + 1]
        minor = seconds % size // minor_size
        if minor or chosen.keep_zero:
            text += f" {minor:02d}{minor_label}" if minor_size < 3600 else f" {minor}{minor_label}"
    return sign + text


def duration_iso(value: timedelta | None) -> str:
    """ISO 8601 for machines (`<time datetime>`), empty for None."""
    return "" if value is None else duration_iso_string(value)
