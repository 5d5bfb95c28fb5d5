"""The incident queue: filters, quick views, sorts and one page of rows."""

from django.db.models import F
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from catalog.models import Service
from core.decorators import permission_required
from core.formatting import duration_text
from core.permissions import allowed

from .. import permissions, selectors
from ..filters import IncidentFilter
from ..forms import (
    assignable_users,
)
from ..models import Incident, Priority, Status
from ..sla_display import iso, local_minute, queue_sla
from .common import PRIORITY_LABELS, STATUS_LABELS, _partial

PAGE_SIZE = 50
COUNT_CAP = 1000  # the queue counts up to here, then says "more than 1000" (no COUNT(*) of a big table)
MAX_PAGE = 200  # paging stops at 10,000 rows: the OFFSET stays cheap; filters reach older incidents
FILTER_KEYS = frozenset(IncidentFilter.base_filters)
DEFAULT_FILTERS = {"is_open": "true"}
QUICK_FILTERS = (
    ("My incidents", "mine=true&is_open=true"),
    ("Unassigned", "unassigned=true&is_open=true"),
    ("All open", "is_open=true"),
    ("SLA breached", "sla=breached&is_open=true"),
    ("SLA at risk", "sla=at_risk&is_open=true"),
    ("Everything", "is_open="),
)
SORTS = {
    "priority": (("priority", "created_at", "pk"), "by priority, then oldest first"),
    "due": ((F("sla_due_at").asc(nulls_last=True), "priority", "created_at", "pk"), "SLA due soonest first"),
}


@require_GET
@permission_required()
def queue(request):
    data = request.GET if FILTER_KEYS & set(request.GET) else DEFAULT_FILTERS
    filterset = IncidentFilter(data, queryset=selectors.incident_queue(), request=request)
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "priority"
    ordering, sort_caption = SORTS[sort]
    page = selectors.incident_queue_page(
        filterset.qs,
        ordering=ordering,
        number=_page_number(request.GET.get("page")),
        page_size=PAGE_SIZE,
        count_cap=COUNT_CAP,
        max_page=MAX_PAGE,
    )
    now = timezone.now()
    _queue_rows(page.object_list, now=now)
    filters_only = request.GET.copy()
    for key in ("sort", "page"):
        filters_only.pop(key, None)
    current = filters_only.urlencode() or "is_open=true"
    keep_sort = "&sort=due" if sort == "due" else ""
    context = {
        "filter": filterset,
        "options": _filter_options(request.GET) if not _partial(request) else None,
        "page": page,
        "sort": sort,
        "sort_caption": sort_caption,
        "now_iso": iso(now),
        "can_create": allowed(request.user, permissions.CREATE),
        "quick_filters": [(label, query + keep_sort, query == current) for label, query in QUICK_FILTERS],
        "nav": "incidents",
    }
    template = "incidents/_queue_table.html" if _partial(request) else "incidents/queue.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _queue_rows(incidents: list[Incident], *, now) -> None:
    """What each row shows, computed once per page in plain Python (no reverse(), date filter or
    choice lookup per row in the template)."""
    detail_url = reverse("incidents:detail", args=[0]).replace("/0/", "/{}/")
    for incident in incidents:
        created = timezone.localtime(incident.created_at)
        incident.url = detail_url.format(incident.pk)
        incident.priority_label = PRIORITY_LABELS.get(incident.priority, incident.priority)
        incident.status_label = STATUS_LABELS.get(incident.status, incident.status)
        incident.assignee_name = incident.assignee.get_username() if incident.assignee_id else ""
        incident.created_iso = created.isoformat()
        incident.created_title = local_minute(created)
        incident.age = duration_text(now - incident.created_at, "age")
        incident.sla = queue_sla(
            incident.sla_clock_list, now=now, cancelled=incident.status == Status.CANCELLED
        )


def _filter_options(query) -> dict[str, list[tuple[str, str, bool]]]:
    """(value, label, selected) of the filter form's choices (plain loops in the template instead of
    a widget template per option). The assignee list offers the people work can be assigned to."""

    def options(name: str, choices) -> list[tuple[str, str, bool]]:
        chosen = set(query.getlist(name))
        return [(str(value), label, str(value) in chosen) for value, label in choices]

    return {
        "service": options("service", Service.objects.order_by("name").values_list("pk", "name")),
        "assignee": options("assignee", assignable_users().values_list("pk", "username")),
        "status": options("status", Status.choices),
        "priority": options("priority", Priority.choices),
    }


def _page_number(value: str | None) -> int:
    try:
        return int(value or 1)
    except ValueError:
        return 1


# --- filing -----------------------------------------------------------------------------------
