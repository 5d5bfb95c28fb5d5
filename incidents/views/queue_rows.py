"""Each queue row's markup, written once per page in plain Python from the plain values that
incidents.selectors.incident_queue_page reads: links, labels, times and the SLA cell, so the template
only places one string per row (no reverse(), filter, include, lookup or condition per row: at 50 rows
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


def queue_rows(rows: list[dict], *, now, now_iso: str, selectable: bool, selected: set[str]) -> None:
    """Add each row's markup (`html`: its <tr>) to the row; `selectable`: with the bulk-selection box,
    checked for the row keys in `selected`."""
    detail_url = reverse("incidents:detail", args=[0]).replace("/0/", "/{}/")
    for row in rows:
        status = row["status"]
        sla = queue_sla(row["sla_clocks"], now=now, cancelled=status == Status.CANCELLED)
        row["html"] = row_html(
            row,
            url=detail_url.format(row["id"]),
            now=now,
            sla=sla_cell(sla, now_iso=now_iso) if sla else NO_SLA,
            selectable=selectable,
            selected=selected,
        )


def row_html(
    row: dict, *, url: str, now, sla: SafeString, selectable: bool, selected: set[str]
) -> SafeString:
    """One queue row: number (a link), title, priority, status, the SLA cell, service, assignee and age.
    `data-row` (id:version) is what a bulk action refers to; `data-can-acknowledge` marks new incidents
    for the `a` shortcut. Written here rather than in the template: at 50 rows its ~20 lookups and
    conditions per row were a third of the page's time. Every value is escaped (html.escape, as
    Django's escape does) or a number, an ISO instant or markup built the same way."""
    number, title, status, priority = (
        escape(str(row[key])) for key in ("number", "title", "status", "priority")
    )
    created = timezone.localtime(row["created_at"])
    key = f"{row['id']}:{row['version']}"
    select = ""
    if selectable:
        checked = " checked" if key in selected else ""
        select = (
            f'<td class="select-cell"><input type="checkbox" name="rows" value="{key}" form="bulk-form"'
            f' aria-label="Select {number}"{checked}></td>'
        )
    assignee = (
        escape(row["assignee_name"]) if row["assignee_name"] else '<span class="muted">Unassigned</span>'
    )
    acknowledge = " data-can-acknowledge" if row["status"] == Status.NEW else ""
    return mark_safe(  # every value is escaped, a number, an ISO instant or escaped markup
        f'<tr data-incident="{number}" data-row="{key}"{acknowledge}>{select}'
        f'<td class="nowrap"><a href="{url}">{number}</a></td>'
        f'<td class="title-cell" title="{title}">{title}</td>'
        f'<td class="nowrap"><span class="badge prio prio-{priority}">'
        f"{escape(str(PRIORITY_LABELS.get(row['priority'], row['priority'])))}</span></td>"
        f'<td class="nowrap"><span class="badge status status-{status}">'
        f"{escape(str(STATUS_LABELS.get(row['status'], row['status'])))}</span></td>"
        f'<td class="nowrap">{sla}</td>'
        f"<td>{escape(row['service_name'] or '')}</td>"
        f"<td>{assignee}</td>"
        f'<td class="nowrap"><time datetime="{created.isoformat()}" title="{escape(local_minute(created, created.tzinfo))}">'
        f"{escape(duration_text(now - row['created_at'], 'age'))}</time></td></tr>"
    )


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
