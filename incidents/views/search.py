"""The global search page (`/search/?q=…`, the header's search box): incidents most relevant first,
and changes by number or title; each list bounded, no count of a large table."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from changes import selectors as change_selectors
from core import roles
from core.decorators import permission_required

from .. import search, selectors
from .common import PRIORITY_LABELS, STATUS_LABELS

INCIDENT_LIMIT = 20  # the best matches; "all matches" opens the queue with the same search
CHANGE_LIMIT = 10
MAX_QUERY_LENGTH = 200


@require_GET
@permission_required()
def search_page(request):
    text = request.GET.get("q", "")[:MAX_QUERY_LENGTH].strip()
    terms = search.parse(text)
    incidents, more, changes = [], False, []
    if terms:
        found = search.search(
            selectors.incident_queue(), text, include_internal=roles.can_read_internal_notes(request.user)
        )
        incidents = list(found.order_by(*search.RANK_ORDERING)[: INCIDENT_LIMIT + 1])
        more, incidents = len(incidents) > INCIDENT_LIMIT, incidents[:INCIDENT_LIMIT]
        changes = change_selectors.change_search(text, limit=CHANGE_LIMIT)
    _label(incidents, changes)
    context = {
        "q": text,
        "terms": terms,
        "incidents": incidents,
        "more_incidents": more,
        "changes": changes,
        "queue_url": f"{reverse('incidents:queue')}?{urlencode({'q': text, 'is_open': ''})}",
    }
    return render(request, "incidents/search.html", context)


def _label(incidents, changes) -> None:
    """Each row's link and labels, once per page (no reverse() per row in the template)."""
    incident_url = reverse("incidents:detail", args=[0]).replace("/0/", "/{}/")
    change_url = reverse("changes:detail", args=[0]).replace("/0/", "/{}/")
    for incident in incidents:
        incident.url = incident_url.format(incident.pk)
        incident.priority_label = PRIORITY_LABELS.get(incident.priority, incident.priority)
        incident.status_label = STATUS_LABELS.get(incident.status, incident.status)
    for change in changes:
        change.url = change_url.format(change.pk)
