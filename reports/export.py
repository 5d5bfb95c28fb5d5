"""CSV export of the dashboard: one section per table, each a title row, a header row and data rows,
separated by an empty row. Durations in seconds, percentages with one decimal, instants in ISO 8601
in the reader's time zone with its offset (e.g. 2026-11-16T19:00:00+09:00 for a user in Asia/Tokyo);
empty cells where there is nothing to show. Produced as a stream of text
chunks: the breach and at-risk sections read every row (not just the page shown) through a
server-side cursor, so memory stays constant whatever their length."""

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta, tzinfo
from itertools import chain

from django.utils import timezone

from core.csv_stream import csv_chunks
from core.csv_stream import spreadsheet_text as _text

from .metrics import AGE_BUCKETS, PRIORITIES, SlaMetrics, incident_url_template

# The breach and at-risk rows as read from the database: plain tuples, no object per row.
_ITEM_COLUMNS = ("incident__number", "incident__title", "incident__priority", "target")
PRIORITY_LABELS = {priority: f"P{priority}" for priority in PRIORITIES}


def _seconds(value: timedelta | None) -> str:
    return "" if value is None else str(value.total_seconds())


def _number(value: float | None) -> str:
    return "" if value is None else str(value)


def _instant(value: datetime | None, zone: tzinfo) -> str:
    return "" if value is None else timezone.localtime(value, zone).isoformat()


def sla_csv(
    metrics: SlaMetrics, *, absolute_url: Callable[[str], str] = str, zone: tzinfo | None = None
) -> str:
    return "".join(sla_csv_chunks(metrics, absolute_url=absolute_url, zone=zone))


def sla_csv_chunks(
    metrics: SlaMetrics, *, absolute_url: Callable[[str], str] = str, zone: tzinfo | None = None
) -> Iterator[str]:
    """The export as text chunks of up to core.csv_stream.ROWS_PER_CHUNK rows (for a StreamingHttpResponse),
    instants in `zone`, by default the active one: read now, as the stream is read after the request's end."""
    return _chunks(metrics, absolute_url=absolute_url, zone=zone or timezone.get_current_timezone())


def _chunks(metrics: SlaMetrics, *, absolute_url: Callable[[str], str], zone: tzinfo) -> Iterator[str]:

    def section(title: str, header: list[str], rows: Iterable[list]) -> Iterator[str]:
        yield from csv_chunks(chain([[title], header], rows, [[]]))

    yield from section(
        "SLA dashboard",
        ["from", "to", "service", "generated_at"],
        [
            [
                metrics.first_day.isoformat(),
                metrics.last_day.isoformat(),
                _text(metrics.service.name) if metrics.service else "All services",
                _instant(metrics.now, zone),
            ]
        ],
    )
    yield from section(
        "Compliance by priority",
        ["priority", "incidents"]
        + [
            f"{target}_{key}"
            for target in ("response", "resolution")
            for key in ("met", "breached", "percent")
        ],
        [
            [row.label, row.incidents]
            + [
                value
                for compliance in (row.response, row.resolution)
                for value in (compliance.met, compliance.breached, _number(compliance.percent))
            ]
            for row in metrics.priorities
        ],
    )
    yield from section(
        "Response and resolution times (seconds, wall clock)",
        ["priority"]
        + [f"{name}_{key}" for name in ("mtta", "mttr") for key in ("count", "mean_s", "p50_s", "p90_s")],
        [
            [row.label]
            + [
                value
                for stats in (row.mtta, row.mttr)
                for value in (stats.count, _seconds(stats.mean), _seconds(stats.p50), _seconds(stats.p90))
            ]
            for row in metrics.priorities
        ],
    )
    yield from section(
        "Weekly trend",
        ["week", "week_start", "incidents", "resolution_met", "resolution_breached", "resolution_percent"],
        [
            [
                week.label,
                week.start.isoformat(),
                week.incidents,
                week.resolution.met,
                week.resolution.breached,
                _number(week.resolution.percent),
            ]
            for week in metrics.weekly
        ],
    )
    incident_url = absolute_url(incident_url_template())  # once, then str.format per row
    yield from section(
        "Breaches",
        ["number", "title", "priority", "target", "breached_at", "url"],
        (
            (
                number,
                _text(title),
                PRIORITY_LABELS[priority],
                target,
                _instant(breached_at, zone),
                incident_url.format(pk),
            )
            for number, title, priority, target, breached_at, pk in metrics.breaches.tuples(
                *_ITEM_COLUMNS, "breach_instant", "object_id"
            )
        ),
    )
    yield from section(
        "At risk now",
        ["number", "title", "priority", "target", "at_risk_at", "due_at", "url"],
        (
            (
                number,
                _text(title),
                PRIORITY_LABELS[priority],
                target,
                _instant(at_risk_at, zone),
                _instant(due_at, zone),
                incident_url.format(pk),
            )
            for number, title, priority, target, at_risk_at, due_at, pk in metrics.at_risk.tuples(
                *_ITEM_COLUMNS, "at_risk_at", "due_at", "object_id"
            )
        ),
    )
    yield from section(
        "Open backlog by age",
        ["priority"] + [bucket.key for bucket in AGE_BUCKETS] + ["total"],
        [[row.label, *row.counts, row.total] for row in metrics.backlog],
    )
