"""What each queue row shows, prepared once per page in plain Python from the plain values that
incidents.selectors.incident_queue_page reads: links, labels, times and the SLA cell's markup, so the
template only places strings (no reverse(), filter, include or nested condition per row: at 50 rows
each of those showed in profiles)."""

from html import escape

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from core.formatting import duration_text, local_minute
from sla.states import State

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
    the pill and the time as templates/incidents/_sla_pill.html and _sla_time.html draw them. Text is
    escaped with the standard library's html.escape (what Django's escape calls, without its lazy-string
    wrapper, which cost more than the cell at 50 rows); the ISO instants carry no markup characters."""
    badge = sla.badge
    state = escape(badge.state)
    time = ""
    if badge.state not in (State.MET, State.CANCELLED):
        due = (
            f' data-due="{badge.due_iso}" data-at-risk="{badge.at_risk_iso}" data-now="{now_iso}"'
            f' title="Due {escape(badge.due_title)}"'
            if badge.ticking
            else ""
        )
        time = f' <span class="sla-time"{due}>{escape(badge.remaining)}</span>'
    also = "".join(
        f' · <span class="sla-also">{escape(other)} breached</span>' for other in sla.also_breached
    )
    return mark_safe(  # every value above is escaped or an ISO instant
        f'<div class="sla-cell" data-sla="{state}" data-target="{escape(badge.target)}">'
        f'<span class="sla-pill sla-{state}"><span class="sla-dot" aria-hidden="true"></span>'
        f'<span class="sla-state">{escape(badge.state_label)}</span></span>{time}\n'
        f'<span class="sla-target">{escape(badge.target_label)}{also}</span></div>'
    )
