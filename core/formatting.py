"""The one duration and instant formatter: every page, e-mail and export says durations and times
the same way.

Instants are shown as ISO `YYYY-MM-DD HH:MM` followed by the zone's abbreviation, in the reader's time
zone: `local_minute(instant)` uses the active zone (the signed-in user's: core/middleware.py),
`local_minute(instant, zone)` a given one (an e-mail's recipient). Text stored once for many readers
(notification bodies, timeline notes) says instants in UTC with `utc_minute`, and
`localize_instants(text, zone)` rewrites each of them for one reader: "due 2026-12-06 13:05 UTC" reads
"due 2026-12-06 22:05 JST" in Asia/Tokyo.

The two most significant units are shown, the second zero-padded below hours: "2h 05m", "3d 4h",
"14m 00s". A style says which unit words to use, the smallest unit, and whether a zero second part
is kept (countdowns keep it so the text does not jump while it ticks):

    duration_text(delta, "clock")   14m 00s · 1h 05m · 3d 4h        (countdowns; opsdesk.js says the same)
    duration_text(delta, "age")     0m · 5m · 2h 05m · 3d 4h         (how old a record is)
    duration_text(delta, "span")    15m · 1h 30m · 2d · 30s          (a configured target or delay)
    duration_text(delta, "words")   12 s · 11 min 40 s · 2 h 05 min  (reports)

Negative durations get a minus sign; None is an em dash. In templates: `{% load formatting %}`
then `{{ delta|duration:"words" }}` and `{{ delta|duration_iso }}` for `<time datetime>`."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from django.utils import timezone
from django.utils.duration import duration_iso_string

_SIZES = (86400, 3600, 60, 1)
_COMPACT = ("d", "h", "m", "s")
_WORDS = (" d", " h", " min", " s")


@dataclass(frozen=True)
class DurationStyle:
    labels: tuple[str, str, str, str]  # days, hours, minutes, seconds
    smallest: int  # seconds in the smallest unit shown
    keep_zero: bool  # "2h 00m" rather than "2h"

    @property
    def units(self) -> tuple[tuple[int, str], ...]:
        """(seconds, label) of each unit shown, largest first."""
        return tuple(
            (size, label) for size, label in zip(_SIZES, self.labels, strict=True) if size >= self.smallest
        )


STYLES = {
    "clock": DurationStyle(_COMPACT, 1, keep_zero=True),
    "age": DurationStyle(_COMPACT, 60, keep_zero=True),
    "span": DurationStyle(_COMPACT, 1, keep_zero=False),
    "words": DurationStyle(_WORDS, 1, keep_zero=False),
}
EMPTY = "—"
_UNITS = {name: style.units for name, style in STYLES.items()}  # formatted hundreds of times a page


def duration_text(value: timedelta | None, style: str) -> str:
    if value is None:
        return EMPTY
    chosen, units = STYLES[style], _UNITS[style]
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


# --- instants --------------------------------------------------------------------------------------

MINUTE = "%Y-%m-%d %H:%M"  # the one display format of an instant (and the text inputs' format)
_UTC_INSTANT = re.compile(r"\b(\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC\b")


def local_minute(instant: datetime | None, zone: tzinfo | None = None) -> str:
    """e.g. "2026-11-16 19:00 JST": in `zone`, else in the active time zone; empty for None."""
    if instant is None:
        return ""
    local = timezone.localtime(instant, zone)
    return f"{local:{MINUTE}} {local.tzname()}"


def local_iso(instant: datetime | None) -> str:
    """An instant in ISO 8601 in the active time zone (for `<time datetime>`, as Django's `date:'c'`
    wrote it, at a tenth of the cost); empty for None."""
    return timezone.localtime(instant).isoformat() if instant else ""


def utc_minute(instant: datetime | None) -> str:
    """An instant in text stored for many readers, e.g. "2026-11-16 10:00 UTC" (see localize_instants)."""
    return local_minute(instant, UTC)


def localize_instants(text: str, zone: tzinfo) -> str:
    """`text` with each "YYYY-MM-DD HH:MM UTC" (utc_minute's output) said in `zone` instead."""

    def local(match: re.Match) -> str:
        instant = datetime.strptime(match.group(1), MINUTE).replace(tzinfo=UTC)
        return local_minute(instant, zone)

    return _UTC_INSTANT.sub(local, text) if "UTC" in text else text
