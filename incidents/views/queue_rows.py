"""What each queue row shows, prepared once per page in plain Python from the plain values that
incidents.selectors.incident_queue_page reads: links, labels, times and the SLA cell's markup, so the
template only places strings (no reverse(), filter, include or nested condition per row: at 50 rows
each of those showed in profiles)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from core.formatting import duration_text, local_minute

from ..models import Status
from ..sla_display import QueueSla, queue_sla
from .common import PRIORITY_LABELS, STATUS_LABELS

NO_SLA = SafeString('<span class="muted" title="No SLA policy applies">—</span>')


def queue_rows(rows: list[dict], *, now, now_iso: str) -> None:
    """Add each row's display values (`url`, `priority_label`, `status_label`, `created_iso`,
    `created_title`, `age`, `row_key`, `can_acknowledge`, `sla_cell`) to the row."""
    detail_url = reverse("incidents:detail", args=[0]).replace("/0/", "/{}/")
    for row in rows:
        created = timezone.localtime(row["created_at"])
        status = row["status"]
        row["url"] = detail_url.format(row["id"])
        row["priority_label"] = PRIORITY_LABELS.get(row["priority"], row["priority"])
        row["status_label"] = STATUS_LABELS.get(status, status)
        row["created_iso"] = created.isoformat()
        row["created_title"] = local_minute(created)
        row["age"] = duration_text(now - row["created_at"], "age")
        row["row_key"] = f"{row['id']}:{row['version']}"  # what a bulk action refers to
        row["can_acknowledge"] = status == Status.NEW
        sla = queue_sla(row["sla_clocks"], now=now, cancelled=status == Status.CANCELLED)
        row["sla_cell"] = sla_cell(sla, now_iso=now_iso) if sla else NO_SLA


def sla_cell(sla: QueueSla, *, now_iso: str) -> SafeString:
    """The queue's SLA cell: the most urgent clock's state, its countdown (which static/opsdesk/opsdesk.js
    ticks from `data-due`, corrected by the server's `data-now`) and the other targets already breached;
    the pill and the time as templates/incidents/_sla_pill.html and _sla_time.html draw them."""
    badge = sla.badge
    time = ""
    if badge.state not in ("met", "cancelled"):
        ticking = (
            format_html(
                ' data-due="{}" data-at-risk="{}" data-now="{}" title="Due {}"',
                badge.due_iso,
                badge.at_risk_iso,
                now_iso,
                badge.due_title,
            )
            if badge.ticking
            else ""
        )
        time = format_html(' <span class="sla-time"{}>{}</span>', ticking, badge.remaining)
    also = format_html_join(
        "", ' · <span class="sla-also">{} breached</span>', ((other,) for other in sla.also_breached)
    )
    return format_html(
        '<div class="sla-cell" data-sla="{}" data-target="{}"><span class="sla-pill sla-{}">'
        '<span class="sla-dot" aria-hidden="true"></span><span class="sla-state">{}</span></span>{}\n'
        '<span class="sla-target">{}{}</span></div>',
        badge.state,
        badge.target,
        badge.state,
        badge.state_label,
        time,
        badge.target_label,
        also,
    )
