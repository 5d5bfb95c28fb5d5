"""The queue as CSV: every incident of the current view (same filters and sort, no page), streamed
through a server-side cursor with constant memory. Times in ISO 8601 with their UTC offset, in the
time zone the pages use; labels as the pages show them; empty cells where there is nothing."""

from datetime import datetime, tzinfo

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.csv_stream import csv_chunks, spreadsheet_text, streamed
from core.decorators import permission_required

from ..models import Incident
from .common import PRIORITY_LABELS, STATUS_LABELS
from .queue import queue_query

HEADER = (
    "number", "title", "priority", "status", "service", "assignment_group", "assignee", "reporter",
    "created_at", "acknowledged_at", "resolved_at", "sla_due_at", "updated_at", "url",
)  # fmt: skip
_COLUMNS = (
    "pk", "number", "title", "priority", "status", "service__name", "assignment_group__name",
    "assignee__username", "reporter__username", "created_at", "acknowledged_at", "resolved_at",
    "sla_due_at", "updated_at",
)  # fmt: skip


def _instant(value: datetime | None, zone: tzinfo) -> str:
    return "" if value is None else timezone.localtime(value, zone).isoformat()


@require_GET
@permission_required()
def queue_csv(request):
    query = queue_query(request.GET, request=request, queryset=Incident.objects.all())
    if not query.filterset.is_valid():
        lines = [f"{name}: {' '.join(errors)}" for name, errors in query.filterset.errors.items()]
        return HttpResponse("\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8")
    rows = query.filterset.qs.order_by(*query.ordering).values_list(*_COLUMNS)
    detail = request.build_absolute_uri(reverse("incidents:detail", args=[0])).replace("/0/", "/{}/")
    response = StreamingHttpResponse(
        csv_chunks(_lines(streamed(rows), detail, timezone.get_current_timezone())),
        content_type="text/csv; charset=utf-8",
    )
    filename = f"incidents-{timezone.localtime():%Y-%m-%d-%H%M}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _lines(rows, detail_url: str, zone: tzinfo):
    """The rows as CSV fields, instants in `zone`: the reader's, captured during the request, as the
    stream is read after the middleware has put the default zone back."""
    yield HEADER
    for pk, number, title, priority, status, service, group, assignee, reporter, *instants in rows:
        yield (
            number,
            spreadsheet_text(title),
            PRIORITY_LABELS.get(priority, priority),
            STATUS_LABELS.get(status, status),
            spreadsheet_text(service),
            spreadsheet_text(group or ""),
            assignee or "",
            reporter or "",
            *(_instant(value, zone) for value in instants),
            detail_url.format(pk),
        )
