"""Links from each figure of the dashboard to the incident queue with the matching filters
(incidents/filters.py: status, priority, service, created_after / created_before, is_open, sla,
assignment_group / no_group, assignee / unassigned).

Exact: the incident counts (period, service, priority, every status but cancelled) and the backlog
cells' incidents up to the instant bounds (the queue's created_before is exclusive where the age
bucket's upper instant is inclusive, one microsecond apart). Approximate: the breach and at-risk
counts count clocks (response and resolution apart) while the queue lists incidents with at least
one clock in that state, as of the moment the queue is opened."""

from datetime import datetime
from functools import partial
from urllib.parse import urlencode

from django.urls import reverse

from incidents.models import Status

from .breakdowns import TEAM, Breakdown
from .metrics import AGE_BUCKETS, SlaMetrics

NOT_CANCELLED = [status for status in Status.values if status != Status.CANCELLED]


def queue_url(*, base: str | None = None, **filters) -> str:
    """The queue (at `base`, when the caller resolved it once) with these filters (lists become
    repeated parameters; None is left out)."""
    query = urlencode({key: value for key, value in filters.items() if value is not None}, doseq=True)
    return f"{base or reverse('incidents:queue')}?{query}"


def _instant(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _period(metrics: SlaMetrics) -> dict:
    return {
        "created_after": _instant(metrics.start),
        "created_before": _instant(metrics.end),
        "service": metrics.service.pk if metrics.service else None,
    }


def breakdown_links(metrics: SlaMetrics, breakdown: Breakdown) -> list[tuple]:
    """[(BreakdownRow, {"incidents": url, "breached": url} or None for the "others" row)]: the
    period's incidents of that team or person (no team: `no_group`; unassigned: `unassigned`)."""
    queue = partial(queue_url, base=reverse("incidents:queue"))
    period = _period(metrics)
    rows = []
    for row in breakdown.rows:
        if row.is_others:
            rows.append((row, None))
            continue
        if breakdown.dimension == TEAM:
            who = {"assignment_group": row.key} if row.key else {"no_group": "true"}
        else:
            who = {"assignee": row.key} if row.key else {"unassigned": "true"}
        rows.append(
            (
                row,
                {
                    "incidents": queue(status=NOT_CANCELLED, **who, **period),
                    "breached": queue(sla="breached", **who, **period),
                },
            )
        )
    return rows


def dashboard_links(metrics: SlaMetrics) -> dict:
    """For the template: "priorities": [(PriorityFigures, {"incidents": url, "breached": url})],
    "backlog": [(BacklogRow, [(count, url) per age bucket], url of its total)], "at_risk": url."""
    service = metrics.service.pk if metrics.service else None
    queue = partial(queue_url, base=reverse("incidents:queue"))  # one reverse() for the ~40 links
    period = _period(metrics)
    priorities = [
        (
            row,
            {
                "incidents": queue(status=NOT_CANCELLED, priority=row.priority, **period),
                "breached": queue(sla="breached", priority=row.priority, **period),
            },
        )
        for row in metrics.priorities
    ]
    backlog = []
    for row in metrics.backlog:
        open_ = {"is_open": "true", "priority": row.priority, "service": service}
        cells = [
            (
                count,
                queue(
                    **open_,
                    created_after=_instant(metrics.now - bucket.upper) if bucket.upper else None,
                    created_before=_instant(metrics.now - bucket.lower) if bucket.lower else None,
                ),
            )
            for bucket, count in zip(AGE_BUCKETS, row.counts, strict=True)
        ]
        backlog.append((row, cells, queue(**open_)))
    return {
        "priorities": priorities,
        "backlog": backlog,
        "at_risk": queue(sla="at_risk", is_open="true", service=service),
    }
