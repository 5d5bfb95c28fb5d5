"""Scheduling a change from its detail page: the window, an emergency change's freeze override reason,
and notes acknowledging the conflicts the caller accepts, through changes.scheduling.change_schedule.
A refusal (bad window 400, not allowed 403, freeze window, unacknowledged conflict or stale version
409) is shown in the panel, with the conflicts of the proposed window ready to acknowledge."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.decorators import permission_required
from core.errors import DomainError, InvalidInput
from core.validation import add_form_errors

from .. import permissions, selectors
from ..lifecycle import refuse
from ..scheduling import SCHEDULABLE, change_schedule
from .requests import render_detail
from .schedule_panel import ScheduleForm, acknowledgements, schedule_panel


@require_POST
@permission_required(permissions.SCHEDULE)
def schedule(request, pk: int):
    change = get_object_or_404(selectors.change_list(), pk=pk)
    if change.status not in SCHEDULABLE:  # name the state and what is allowed
        return _refused(request, change, refuse(change, "schedule"))
    form = ScheduleForm(request.POST, change=change)
    if not form.is_valid():
        panel = schedule_panel(
            change, request.user, data=request.POST, error="Check the window and try again."
        )
        return render_detail(request, change, status=400, schedule=panel)
    data = form.cleaned_data
    try:
        done = change_schedule(
            change=change,
            actor=request.user,
            planned_start=data["planned_start"],
            planned_end=data["planned_end"],
            override_reason=data.get("override_reason", ""),
            note=data["note"],
            acknowledge=acknowledgements(request.POST),
            expected_version=data["version"],
        )
    except DomainError as exc:
        return _refused(request, change, exc)
    start, end = (timezone.localtime(at) for at in (done.planned_start, done.planned_end))
    messages.success(
        request, f"{done.number} is scheduled for {start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M %Z}."
    )
    return redirect("changes:detail", pk=pk)


def _refused(request, change, exc: DomainError):
    """The detail page as it is now, the panel showing what was posted and why it was refused."""
    fresh = get_object_or_404(selectors.change_list(), pk=change.pk)
    data = request.POST.copy()
    data["version"] = fresh.version  # the refusal is shown against the change as it is now
    panel = schedule_panel(fresh, request.user, data=data, error=exc.message)
    if panel is None:  # no longer schedulable: the page's own error banner says why
        return render_detail(request, fresh, status=exc.status, error=exc.message)
    if isinstance(exc, InvalidInput):
        add_form_errors(panel.form, exc)
        panel.error = "Some fields need attention: " + "; ".join(m for ms in exc.fields.values() for m in ms)
    return render_detail(request, fresh, status=exc.status, schedule=panel)
