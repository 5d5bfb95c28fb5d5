"""Filing an incident: the form, the priority preview and the CI choices."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core.decorators import permission_required
from core.errors import InvalidInput
from core.validation import add_form_errors

from .. import permissions, services
from ..forms import (
    IncidentCreateForm,
    PriorityPreviewForm,
)
from ..models import priority_for
from .common import form_priority


@require_http_methods(["GET", "POST"])
@permission_required(permissions.CREATE)
def incident_new(request):
    status = 200
    # the affected user is the person filing unless they say otherwise
    form = IncidentCreateForm(
        request.POST if request.method == "POST" else None, initial={"caller": request.user}
    )
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                incident = services.incident_create(actor=request.user, source="web", **form.cleaned_data)
            except InvalidInput as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, f"{incident.number} filed as {incident.get_priority_display()}.")
                return redirect("incidents:detail", pk=incident.pk)
    context = {"form": form, "preview": form_priority(form), "nav": "incidents"}
    return render(request, "incidents/new.html", context, status=status)


@require_GET
@permission_required()
def priority_preview(request):
    form = PriorityPreviewForm(request.GET)
    priority = priority_for(**form.cleaned_data) if form.is_valid() else None
    return render(request, "incidents/_priority_preview.html", {"preview": priority})


@require_GET
@permission_required()
def ci_options(request):
    """The CI select, limited to the chosen service's items (swapped in when the service changes)."""
    auto_id = "edit_%s" if request.GET.get("prefix") == "edit" else "id_%s"
    form = IncidentCreateForm(initial={"service": request.GET.get("service")}, auto_id=auto_id)
    return render(request, "incidents/_ci_field.html", {"form": form})


# --- one incident -----------------------------------------------------------------------------
