"""One incident's page: details, transitions, edit, assignment, escalation, comments and timeline."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from core.decorators import permission_required
from core.errors import ConcurrentModification, DomainError, InvalidInput
from core.formatting import duration_text
from core.models import TimelineEntry
from core.permissions import allowed
from core.validation import add_form_errors

from .. import permissions, selectors, services
from ..escalation import escalation_level
from ..forms import (
    CommentForm,
    EscalateForm,
    IncidentEditForm,
    VersionForm,
    WatchForm,
    transition_form,
)
from ..models import OPEN_STATUSES, TRANSITIONS, Incident
from ..sla_display import escalation_info, incident_sla_badges, iso
from .common import (
    ACTION_LABELS,
    ACTIONS_WITH_FORM,
    FIELD_LABELS,
    HOLD_LABELS,
    RESOLUTION_LABELS,
    STATUS_LABELS,
    TIMESTAMPS,
    _partial,
    form_priority,
)


def _get_incident(pk: int) -> Incident:
    return get_object_or_404(selectors.incident_list(), pk=pk)


def _shown_incident(pk: int) -> Incident:
    """The incident as its page shows it (a leaner read than the one handed to services)."""
    incident = selectors.incident_shown(pk)
    if incident is None:
        raise Http404("No such incident.")
    return incident


@require_GET
@permission_required()
def detail(request, pk: int):
    # the edit form or the watcher picker, open without JavaScript
    open_panel = next((name for name in ("edit", "watchers") if request.GET.get(name)), "")
    return _render_detail(request, _shown_incident(pk), open_panel=open_panel)


@require_GET
@permission_required()
def timeline(request, pk: int):
    """Older timeline entries than the cursor `before` / `before_id` (the last entry shown): appended to
    the detail page's timeline by its "Show older entries" button (htmx), or a page of their own."""
    try:
        before = parse_datetime(request.GET.get("before", ""))
    except ValueError:  # well formed but no such instant (month 13)
        before = None
    before_id = request.GET.get("before_id", "")
    if before is None or not (before_id.isdigit() and len(before_id) <= 18):  # an id PostgreSQL can hold
        return HttpResponseBadRequest("Give `before` (an ISO date-time) and `before_id` (an entry id).")
    incident = get_object_or_404(Incident.objects.only("number", "title"), pk=pk)
    page = selectors.incident_timeline_page(
        incident=incident, viewer=request.user, before=selectors.TimelineCursor(before, int(before_id))
    )
    context = {"incident": incident, "timeline": [_label_entry(entry) for entry in page.entries]}
    context["older_url"] = _older_url(incident, page)
    template = "incidents/_timeline_more.html" if _partial(request) else "incidents/timeline.html"
    return render(request, template, {**context, "nav": "incidents"})


def _older_url(incident: Incident, page: selectors.TimelinePage) -> str:
    if page.older is None:
        return ""
    query = urlencode({"before": page.older.created_at.isoformat(), "before_id": page.older.id})
    return f"{reverse('incidents:timeline', args=[incident.pk])}?{query}"


@require_POST
@permission_required()
def transition(request, pk: int, action: str):
    if action not in TRANSITIONS:
        raise Http404("No such transition.")
    incident = _get_incident(pk)
    form = transition_form(action, request.POST)
    if not form.is_valid():
        return _render_detail(
            request, incident, status=400, error=_form_error(form), bound={action: form}, open_panel=action
        )
    data = form.cleaned_data
    common = dict(incident=incident, actor=request.user, note=data["note"], expected_version=data["version"])
    try:
        if action == "resolve":
            done = services.incident_resolve(
                **common, resolution_code=data["resolution_code"], resolution_notes=data["resolution_notes"]
            )
        elif action == "hold":
            done = services.incident_transition(
                **common, action=action, hold_reason=data["hold_reason"], resume_at=data["resume_at"]
            )
        else:
            done = services.incident_transition(**common, action=action)
    except DomainError as exc:
        return _domain_error(request, incident, exc, bound={action: form}, open_panel=action)
    messages.success(request, f"{done.number} is now {done.get_status_display().lower()}.")
    return _done(request, done)


@require_http_methods(["GET", "POST"])
@permission_required()
def edit(request, pk: int):
    incident = _get_incident(pk)
    if request.method == "GET":
        return _edit_form(request, incident)
    form = IncidentEditForm(request.POST, incident=incident)
    if not form.is_valid():
        return _render_detail(
            request, incident, status=400, error=_form_error(form), bound={"edit": form}, open_panel="edit"
        )
    changes = form.changes()
    if not changes:
        messages.info(request, "Nothing to save: no field was changed.")
        return _done(request, incident)
    try:
        done = services.incident_update(
            incident=incident, actor=request.user, expected_version=form.cleaned_data["version"], **changes
        )
    except DomainError as exc:
        return _domain_error(request, incident, exc, bound={"edit": form}, open_panel="edit")
    messages.success(request, f"{done.number} updated.")
    return _done(request, done)


def _edit_form(request, incident: Incident):
    """GET: the edit form alone, fetched by the detail page when its panel is first opened (htmx);
    without htmx, the detail page with the form open."""
    if incident.status in services.READ_ONLY_STATUSES or not allowed(request.user, permissions.UPDATE):
        raise PermissionDenied("You may not edit this incident.")
    if not _partial(request):
        return redirect(reverse("incidents:detail", args=[incident.pk]) + "?edit=1#edit-panel")
    form = IncidentEditForm(incident=incident)
    context = {"incident": incident, "edit_form": form, "edit_preview": form_priority(form)}
    return render(request, "incidents/_edit_form.html", context)


@require_POST
@permission_required()
def assign_to_me(request, pk: int):
    incident = _get_incident(pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, incident, status=400, error=_STALE_FORM)
    try:
        done = services.incident_update(
            incident=incident,
            actor=request.user,
            assignee=request.user,
            expected_version=form.cleaned_data["version"],
        )
    except DomainError as exc:
        return _domain_error(request, incident, exc)
    messages.success(request, f"{done.number} is assigned to you.")
    return _done(request, done)


@require_POST
@permission_required(permissions.ESCALATE)
def escalate(request, pk: int):
    """Fire the next level of the escalation policy now (the form says which level the page showed)."""
    incident = _get_incident(pk)
    form = EscalateForm(request.POST)
    if not form.is_valid():
        error = _STALE_FORM if "level" in form.errors else "Check the note and try again."
        return _render_detail(
            request, incident, status=400, error=error, bound={"escalate": form}, open_panel="escalate"
        )
    try:
        done = services.incident_escalate(
            incident=incident,
            actor=request.user,
            note=form.cleaned_data["note"],
            expected_level=form.cleaned_data["level"],
        )
    except DomainError as exc:
        return _domain_error(request, incident, exc, bound={"escalate": form}, open_panel="escalate")
    messages.success(request, f"{done.number} escalated to level {escalation_level(done)}.")
    return _done(request, done)


@require_http_methods(["GET", "POST"])
@permission_required(permissions.WATCH)
def watch(request, pk: int):
    """Watch or stop watching (yourself), or add / remove someone else (`user`). GET: the picker of
    whom to add, fetched when its panel is first opened (htmx)."""
    incident = _get_incident(pk)
    if request.method == "GET":
        return _watch_form(request, incident)
    form = WatchForm(request.POST)
    if not form.is_valid():
        return _render_detail(
            request,
            incident,
            status=400,
            error="Choose whom to add as a watcher.",
            bound={"watchers": form},
            open_panel="watchers",
        )
    user = form.cleaned_data["user"] or request.user
    watching = form.cleaned_data["watching"]
    try:
        done = services.incident_watch(incident=incident, actor=request.user, user=user, watching=watching)
    except DomainError as exc:
        return _domain_error(request, incident, exc)
    if user == request.user:
        text = "You are watching" if watching else "You stopped watching"
        messages.success(request, f"{text} {done.number}.")
    else:
        text = "now watches" if watching else "no longer watches"
        messages.success(request, f"{user.get_username()} {text} {done.number}.")
    return _done(request, done)


def _watch_form(request, incident: Incident):
    """GET: the "add a watcher" form alone (a select of every active account, so only on demand);
    without htmx, the detail page with it open."""
    if incident.status in services.READ_ONLY_STATUSES or not allowed(request.user, permissions.UPDATE):
        raise PermissionDenied("You may not change who watches this incident.")
    if not _partial(request):
        return redirect(reverse("incidents:detail", args=[incident.pk]) + "?watchers=1#watchers")
    return render(request, "incidents/_watch_form.html", {"incident": incident, "watch_form": WatchForm()})


@require_POST
@permission_required()
def comment(request, pk: int):
    incident = _get_incident(pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _comment_failed(
            request, _render_detail(request, incident, status=400, bound={"comment": form})
        )
    try:
        entry = services.incident_comment_add(
            incident=incident,
            actor=request.user,
            body=form.cleaned_data["body"],
            visibility=form.cleaned_data["visibility"],
        )
    except DomainError as exc:
        return _comment_failed(request, _domain_error(request, incident, exc, bound={"comment": form}))
    if not _partial(request):
        messages.success(request, "Comment added.")
        return redirect(reverse("incidents:detail", args=[incident.pk]) + "#timeline")
    context = {"entry": _label_entry(entry), "incident": incident, "comment_form": CommentForm()}
    return render(request, "incidents/_comment_added.html", context)


def _comment_failed(request, response):
    """The comment form appends on success; on failure the whole detail is redrawn with the error."""
    if _partial(request):
        retarget(response, "#incident-detail")
        reswap(response, "outerHTML")
    return response


# --- rendering and errors ---------------------------------------------------------------------

_STALE_FORM = (
    "The form did not say which version of the incident it was showing. Reload the page and try again."
)


def _form_error(form) -> str:
    return _STALE_FORM if "version" in form.errors else "Check the highlighted fields and try again."


def _done(request, incident: Incident):
    """After a successful write: redraw in place for htmx, otherwise redirect (post/redirect/get)."""
    if _partial(request):
        return _render_detail(request, _shown_incident(incident.pk))
    return redirect("incidents:detail", pk=incident.pk)


def _domain_error(request, incident: Incident, exc: DomainError, *, bound=None, open_panel: str = ""):
    bound = dict(bound or {})
    error = exc.message
    if isinstance(exc, InvalidInput):
        for form in bound.values():
            add_form_errors(form, exc)
        error = "Some fields need attention: " + "; ".join(
            message for messages_ in exc.fields.values() for message in messages_
        )
    else:
        open_panel = ""
        bound.pop("edit", None)  # the record changed under the page: offer its current values
        if isinstance(exc, ConcurrentModification):
            allowed = ", ".join(ACTION_LABELS.get(name, name) for name in exc.allowed_transitions) or "none"
            error = f"{exc.message} Allowed now: {allowed}. The page shows the current record."
    return _render_detail(
        request,
        _shown_incident(incident.pk),
        status=exc.status,
        error=error,
        bound=bound,
        open_panel=open_panel,
    )


def _render_detail(request, incident: Incident, *, status=200, error="", bound=None, open_panel=""):
    bound = bound or {}
    user = request.user
    writable = incident.status not in services.READ_ONLY_STATUSES
    editable = writable and allowed(user, permissions.UPDATE)
    can_transition = allowed(user, permissions.TRANSITION)
    transitions = set(incident.allowed_transitions()) if can_transition else set()
    actions = [
        {
            "name": name,
            "label": ACTION_LABELS[name],
            "url": reverse("incidents:transition", args=[incident.pk, name]),
            "form": (bound.get(name) or transition_form(name)) if name in ACTIONS_WITH_FORM else None,
        }
        for name in TRANSITIONS
        if name in transitions
    ]
    # the edit form only when it must show now (its selects are fetched when the panel opens)
    edit_form = bound.get("edit") or (
        IncidentEditForm(incident=incident) if open_panel == "edit" and editable else None
    )
    timeline = selectors.incident_timeline_page(incident=incident, viewer=user)
    watchers = selectors.incident_watchers(incident)
    now = timezone.now()
    escalation = escalation_info(incident, now=now)
    can_escalate = bool(
        incident.status in OPEN_STATUSES
        and escalation
        and escalation.manual_level
        and allowed(user, permissions.ESCALATE)
    )
    tried = bound.get("escalate")  # keep the note typed; the level is always the current one
    context = {
        "incident": incident,
        "age": duration_text(now - incident.created_at, "age"),
        "sla_badges": incident_sla_badges(incident, now=now),
        "escalation": escalation,
        "can_escalate": can_escalate,
        "escalate_form": EscalateForm(
            initial={"level": escalation.level, "note": tried.data.get("note", "") if tried else ""}
        )
        if can_escalate
        else None,
        "now_iso": iso(now),
        "can_work": can_transition or allowed(user, permissions.UPDATE),
        "editable": editable,
        "can_comment": writable and allowed(user, permissions.COMMENT),
        "can_assign_me": editable and incident.assignee_id != user.pk,
        "actions": actions,
        "timestamps": [
            (label, getattr(incident, name)) for name, label in TIMESTAMPS if getattr(incident, name)
        ],
        "resolution_label": RESOLUTION_LABELS.get(incident.resolution_code, ""),
        "hold_label": HOLD_LABELS.get(incident.hold_reason, ""),
        "related": selectors.incident_related(incident, now=now),
        "watchers": watchers,
        "watching": any(watcher.pk == user.pk for watcher in watchers),
        "can_watch": allowed(user, permissions.WATCH),
        "can_manage_watchers": editable,
        "watch_form": (bound.get("watchers") or WatchForm())
        if editable and open_panel == "watchers"
        else None,
        "timeline": [_label_entry(entry) for entry in timeline.entries],
        "older_url": _older_url(incident, timeline),
        "edit_form": edit_form,
        "edit_preview": form_priority(edit_form) if edit_form else None,
        "comment_form": bound.get("comment") or CommentForm(),
        "error": error,
        "open_panel": open_panel,
        "nav": "incidents",
    }
    template = "incidents/_detail.html" if _partial(request) else "incidents/detail.html"
    return render(request, template, context, status=status)


def _label_entry(entry: TimelineEntry) -> TimelineEntry:
    """Human labels for the stored values (status names, field names, resolution codes)."""
    entry.from_label = STATUS_LABELS.get(entry.from_state, entry.from_state)
    entry.to_label = STATUS_LABELS.get(entry.to_state, entry.to_state)
    entry.field_label = FIELD_LABELS.get(entry.field, entry.field.replace("_", " ").capitalize())
    entry.is_internal = entry.visibility == TimelineEntry.Visibility.INTERNAL
    code = (entry.data or {}).get("resolution_code", "")
    entry.resolution_label = RESOLUTION_LABELS.get(code, code)
    entry.resolution_notes = (entry.data or {}).get("resolution_notes", "")
    entry.hold_label = HOLD_LABELS.get((entry.data or {}).get("hold_reason", ""), "")
    entry.resume_at = parse_datetime((entry.data or {}).get("resume_at") or "")
    entry.tone, entry.kind_label = "", entry.get_kind_display()
    if entry.kind == TimelineEntry.Kind.SLA:
        breach = (entry.data or {}).get("threshold") == "breach"
        entry.tone, entry.kind_label = ("breach", "SLA breached") if breach else ("warning", "SLA warning")
    elif entry.kind == TimelineEntry.Kind.ESCALATION:
        level = (entry.data or {}).get("level")
        entry.tone, entry.kind_label = "escalation", f"Escalated to level {level}" if level else "Escalation"
    return entry
