"""Browser UI for incidents: server-rendered pages, htmx for the partial updates.

Views stay thin: a form parses the request, a service writes, a selector reads, a template renders.
Domain errors become HTTP statuses here: InvalidInput 400, NotPermitted 403, TransitionNotAllowed and
ConcurrentModification 409, each shown on the page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from catalog.models import Service
from core.decorators import permission_required
from core.errors import ConcurrentModification, DomainError, InvalidInput
from core.formatting import duration_text
from core.models import TimelineEntry
from core.permissions import allowed
from core.validation import add_form_errors

from . import permissions, selectors, services
from .escalation import escalation_level
from .filters import IncidentFilter
from .forms import (
    CommentForm,
    EscalateForm,
    IncidentCreateForm,
    IncidentEditForm,
    PriorityPreviewForm,
    VersionForm,
    assignable_users,
    transition_form,
)
from .models import OPEN_STATUSES, TRANSITIONS, Incident, Priority, ResolutionCode, Status, priority_for
from .sla_display import escalation_info, incident_sla_badges, iso, local_minute, queue_sla

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
ACTION_LABELS = {
    "acknowledge": "Acknowledge",
    "start": "Start work",
    "hold": "Put on hold",
    "resume": "Resume work",
    "resolve": "Resolve",
    "close": "Close",
    "reopen": "Reopen",
    "cancel": "Cancel incident",
}
ACTIONS_WITH_FORM = frozenset({"resolve", *services.NOTE_REQUIRED})
STATUS_LABELS = dict(Status.choices)
PRIORITY_LABELS = dict(Priority.choices)
RESOLUTION_LABELS = dict(ResolutionCode.choices)
FIELD_LABELS = {"ci": "Configuration item", "assignment_group": "Assignment group"}
TIMESTAMPS = (
    ("created_at", "Created"),
    ("acknowledged_at", "Acknowledged"),
    ("started_at", "Work started"),
    ("on_hold_at", "On hold since"),
    ("reopened_at", "Reopened"),
    ("resolved_at", "Resolved"),
    ("closed_at", "Closed"),
    ("cancelled_at", "Cancelled"),
    ("updated_at", "Last updated"),
)


def _partial(request) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


# --- queue ------------------------------------------------------------------------------------


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


@require_http_methods(["GET", "POST"])
@permission_required(permissions.CREATE)
def incident_new(request):
    status = 200
    form = IncidentCreateForm(request.POST if request.method == "POST" else None)
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
    context = {"form": form, "preview": _preview(form), "nav": "incidents"}
    return render(request, "incidents/new.html", context, status=status)


def _preview(form):
    impact, urgency = (form[name].value() for name in ("impact", "urgency"))
    try:
        return priority_for(impact, urgency)
    except (KeyError, TypeError, ValueError):
        return None


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


def _get_incident(pk: int) -> Incident:
    return get_object_or_404(selectors.incident_list(), pk=pk)


@require_GET
@permission_required()
def detail(request, pk: int):
    open_panel = "edit" if request.GET.get("edit") else ""  # the edit form without JavaScript
    return _render_detail(request, _get_incident(pk), open_panel=open_panel)


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
    context = {"incident": incident, "edit_form": form, "edit_preview": _preview(form)}
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
        return _render_detail(request, _get_incident(incident.pk))
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
            allowed = ", ".join(exc.allowed_transitions) or "none"
            error = f"{exc.message} Allowed transitions now: {allowed}. The page shows the current record."
    return _render_detail(
        request,
        _get_incident(incident.pk),
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
    timeline = [_label_entry(entry) for entry in selectors.incident_timeline(incident=incident, viewer=user)]
    now = timezone.now()
    escalation = escalation_info(incident, now=now)
    tried = bound.get("escalate")  # keep the note typed; the level is always the current one
    context = {
        "incident": incident,
        "age": duration_text(now - incident.created_at, "age"),
        "sla_badges": incident_sla_badges(incident, now=now),
        "escalation": escalation,
        "can_escalate": bool(
            incident.status in OPEN_STATUSES
            and escalation
            and escalation.manual_level
            and allowed(user, permissions.ESCALATE)
        ),
        "escalate_form": EscalateForm(
            initial={
                "level": escalation.level if escalation else 0,
                "note": tried.data.get("note", "") if tried else "",
            }
        ),
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
        "timeline": timeline,
        "edit_form": edit_form,
        "edit_preview": _preview(edit_form) if edit_form else None,
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
    entry.tone, entry.kind_label = "", entry.get_kind_display()
    if entry.kind == TimelineEntry.Kind.SLA:
        breach = (entry.data or {}).get("threshold") == "breach"
        entry.tone, entry.kind_label = ("breach", "SLA breached") if breach else ("warning", "SLA warning")
    elif entry.kind == TimelineEntry.Kind.ESCALATION:
        level = (entry.data or {}).get("level")
        entry.tone, entry.kind_label = "escalation", f"Escalated to level {level}" if level else "Escalation"
    return entry
