"""The dashboard's period presets: the last 7, 30 and 90 days and the calendar quarter so far, each
ending today, as links that keep the chosen service."""

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode


@dataclass(frozen=True)
class Preset:
    label: str
    first: date
    last: date
    url: str
    current: bool  # the period shown is this preset's


def _quarter_start(today: date) -> date:
    return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


def period_presets(
    *, today: date, base: str, shown: tuple[date, date] | None, service_id: int | None
) -> list[Preset]:
    """The presets as links to `base` (the dashboard), marked current when `shown` (first, last day)
    is theirs."""
    periods = [(f"{days} days", today - timedelta(days=days - 1), today) for days in (7, 30, 90)]
    periods.append(("This quarter", _quarter_start(today), today))
    presets = []
    for label, first, last in periods:
        query = {"from": first.isoformat(), "to": last.isoformat()}
        if service_id:
            query["service"] = service_id
        presets.append(Preset(label, first, last, f"{base}?{urlencode(query)}", shown == (first, last)))
    return presets
