"""Suspected cause in the browser: the "possibly caused incidents" panel of a change, the "possibly
caused by CHG-…" panel of an incident, and the confirm / dismiss buttons (htmx posts that re-render
the panel they came from). The detail pages show the panels through template tags
(changes.templatetags.change_suspects), so they need no change of their own."""

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.decorators import permission_required
from core.errors import DomainError, InvalidInput
from core.formatting import duration_text
from core.permissions import USE, allowed

from .. import permissions, suspects
from ..models import Change, SuspectedCause

TEMPLATES = {"change": "changes/_suspects.html", "incident": "changes/_incident_suspects.html"}
DECISIONS = {"confirm": suspects.suspect_confirm, "dismiss": suspects.suspect_dismiss}


def suspects_panel(user, *, change=None, incident=None, error: str = "", note: str = "") -> dict:
    """The context of a panel: the links of `change` (or of `incident`), with how long after the
    change's implementation each incident was opened; a constant number of queries."""
    side = "change" if change is not None else "incident"
    links = list(
        suspects.suspects_of_change(change) if change is not None else suspects.suspects_of_incident(incident)
    )
    for link in links:
        link.after = (
            link.incident.created_at - link.change.implemented_at if link.change.implemented_at else None
        )
    return {
        "side": side,
        "panel_id": f"{side}-suspects-{(change or incident).pk}",
        "change": change,
        "incident": incident,
        "suspects": links,
        "open_count": sum(1 for link in links if link.status != "dismissed"),
        "can_decide": allowed(user, permissions.LINK_INCIDENTS),
        "window": duration_text(suspects.suspect_window(), "span"),
        "error": error,
        "note": note,
    }


def _incident(pk: int):
    return get_object_or_404(
        apps.get_model("incidents", "Incident").objects.only("pk", "number", "status"), pk=pk
    )


def _change(pk: int) -> Change:
    return get_object_or_404(Change.objects.only("pk", "number", "status"), pk=pk)


@require_GET
@login_required
@permission_required(USE)
def for_change(request, pk: int):
    return render(request, TEMPLATES["change"], suspects_panel(request.user, change=_change(pk)))


@require_GET
@login_required
@permission_required(USE)
def for_incident(request, pk: int):
    return render(request, TEMPLATES["incident"], suspects_panel(request.user, incident=_incident(pk)))


@require_POST
@login_required
@permission_required(USE)
def decide(request, pk: int, action: str):
    """Confirm or dismiss link `pk`; `panel` (change or incident) says which panel to answer with."""
    if action not in DECISIONS:
        raise Http404("Unknown decision.")
    link = get_object_or_404(SuspectedCause.objects.only("pk", "change_id", "incident_id"), pk=pk)
    side = request.POST.get("panel") if request.POST.get("panel") in TEMPLATES else "change"
    note = request.POST.get("note", "")
    status, error = 200, ""
    try:
        DECISIONS[action](link=link, actor=request.user, note=note)
    except InvalidInput as exc:
        status, error = (
            exc.status,
            " ".join(message for messages in exc.fields.values() for message in messages),
        )
    except DomainError as exc:
        status, error = exc.status, exc.message
    if not request.htmx:
        detail = "changes:detail" if side == "change" else "incidents:detail"
        return HttpResponseRedirect(
            reverse(detail, args=[link.change_id if side == "change" else link.incident_id])
        )
    owner = (
        {"change": _change(link.change_id)} if side == "change" else {"incident": _incident(link.incident_id)}
    )
    context = suspects_panel(request.user, **owner, error=error, note=note if error else "")
    context["failed_link"] = link.pk if error else None
    return render(request, TEMPLATES[side], context, status=status)
