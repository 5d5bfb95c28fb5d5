"""Change request pages: list, new (blank or from a template), detail, edit, transition buttons and the
work orders on the detail page. Thin: a form parses, a service writes, a selector reads. Domain errors
are shown on the detail page with their status (400, 403, 409)."""

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.decorators import permission_required
from core.errors import DomainError, InvalidInput
from core.models import TimelineEntry
from core.permissions import USE, allowed
from core.validation import add_form_errors

from .. import catalogue, permissions, selectors, services, work_orders
from ..forms import ChangeCreateForm, ChangeEditForm, TaskForm, TaskStepForm, transition_form
from ..models import Change, ChangeType, RiskLevel, Status, TaskStatus
from .schedule_panel import schedule_panel

PAGE_SIZE = 50
ACTION_LABELS = {
    "submit": "Submit",
    "assess": "Assess",
    "start": "Start implementing",
    "complete": "Complete",
    "review": "Record the review",
    "close": "Close",
    "cancel": "Cancel change",
    "revise": "Revise",
}
# What the note of a transition form is called where "Reason" (the forms' default) would mislead.
NOTE_LABELS = {"assess": "Assessment note"}
TASK_STEP_LABELS = {"start": "Start", "finish": "Done", "fail": "Failed…", "skip": "Skip…"}
STATUS_LABELS = dict(Status.choices)
TASK_LABELS = dict(TaskStatus.choices)
QUICK_FILTERS = (
    ("Active", "active=1"),
    ("Mine", "mine=1"),
    ("Drafts", "status=draft"),
    ("In assessment", "status=assessment"),
    ("Awaiting approval", "status=awaiting_approval"),
    ("Scheduled", "status=scheduled"),
    ("Everything", ""),
)


# --- list -----------------------------------------------------------------------------------------


@require_GET
@permission_required(USE)
def change_list(request):
    """Newest first, 50 a page, paged by id (no count of the whole table)."""
    rows = selectors.change_rows().order_by("-id")
    query = request.GET
    if query.get("status") in Status.values:
        rows = rows.filter(status=query["status"])
    if query.get("type") in ChangeType.values:
        rows = rows.filter(type=query["type"])
    if query.get("mine"):
        rows = rows.filter(Q(requester=request.user) | Q(implementer=request.user))
    if query.get("active"):
        rows = rows.exclude(status__in=(Status.CLOSED, Status.CANCELLED))
    before = query.get("before", "")
    if before.isdigit():
        rows = rows.filter(pk__lt=int(before))
    page = list(rows[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    filters = query.copy()
    filters.pop("before", None)
    current = filters.urlencode()
    next_query = filters.copy()
    if more:
        next_query["before"] = page[-1].pk
    context = {
        "changes": page,
        "next_query": next_query.urlencode() if more else "",
        "quick_filters": [(label, value, value == current) for label, value in QUICK_FILTERS],
        "can_create": allowed(request.user, permissions.CREATE),
        "nav": "changes",
    }
    return render(request, "changes/list.html", context)


# --- filing -----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required(permissions.CREATE)
def change_new(request):
    template = None
    if request.method == "POST":
        form = ChangeCreateForm(request.POST)
        if form.is_valid():
            template = form.cleaned_data.get("template")
            try:
                change = services.change_create(actor=request.user, template=template, **form.values())
            except InvalidInput as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, f"{change.number} filed as a draft.")
                return redirect("changes:detail", pk=change.pk)
        status = 400
    else:
        template = _template(request.GET.get("template"))
        form = ChangeCreateForm(initial=_template_initial(template))
        status = 200
    context = {
        "form": form,
        "template": template,
        "templates": catalogue.template_list().filter(active=True),
        "nav": "changes",
    }
    return render(request, "changes/new.html", context, status=status)


def _template(value):
    if not (value or "").isdigit():
        return None
    return catalogue.template_list().filter(active=True, pk=int(value)).first()


def _template_initial(template) -> dict:
    if template is None:
        return {}
    return {
        "template": template.pk,
        "type": ChangeType.STANDARD,
        "title": template.title,
        "implementation_plan": template.implementation_plan,
        "rollback_plan": template.rollback_plan,
        "test_plan": template.test_plan,
        "services": list(template.services.all()),
        "cis": list(template.cis.all()),
        "assignment_group": template.assignment_group,
    }


# --- one change ---------------------------------------------------------------------------------


def _get(pk: int) -> Change:
    return get_object_or_404(selectors.change_list(), pk=pk)


@require_GET
@permission_required(USE)
def detail(request, pk: int):
    return render_detail(request, _get(pk))


@require_http_methods(["GET", "POST"])
@permission_required(permissions.UPDATE)
def edit(request, pk: int):
    change = _get(pk)
    if change.status != Status.DRAFT:
        messages.error(
            request, f"Only a draft can be edited; {change.number} is {change.get_status_display().lower()}."
        )
        return redirect("changes:detail", pk=pk)
    form = ChangeEditForm(request.POST or None, change=change)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            changes = form.changes()
            try:
                if changes:
                    services.change_update(
                        change=change,
                        actor=request.user,
                        expected_version=form.cleaned_data["version"],
                        **changes,
                    )
            except InvalidInput as exc:
                add_form_errors(form, exc)
            except DomainError as exc:
                return render_detail(request, _get(pk), status=exc.status, error=exc.message)
            else:
                messages.success(
                    request, f"{change.number} saved." if changes else "Nothing to save: no field changed."
                )
                return redirect("changes:detail", pk=pk)
    return render(
        request, "changes/edit.html", {"form": form, "change": change, "nav": "changes"}, status=status
    )


SERVICES = {
    "submit": services.change_submit,
    "assess": services.change_assess,
    "start": services.change_start,
    "complete": services.change_complete,
    "review": services.change_review,
    "close": services.change_close,
    "cancel": services.change_cancel,
    "revise": services.change_revise,
}


@require_POST
@permission_required(USE)
def transition(request, pk: int, action: str):
    if action not in SERVICES:
        raise Http404("No such transition.")
    change = _get(pk)
    form = transition_form(action, request.POST)
    if not form.is_valid():
        return render_detail(request, change, status=400, error=_form_error(form), bound={action: form})
    data = dict(form.cleaned_data)
    version = data.pop("version")
    if action == "review" and not data.get("outcome"):
        data.pop("outcome", None)
    try:
        done = SERVICES[action](change=change, actor=request.user, expected_version=version, **data)
    except DomainError as exc:
        return _domain_error(request, change, exc, bound={action: form})
    messages.success(request, f"{done.number} is now {done.get_status_display().lower()}.")
    return redirect("changes:detail", pk=pk)


@require_POST
@permission_required(permissions.UPDATE)
def task_add(request, pk: int):
    change = _get(pk)
    form = TaskForm(request.POST)
    if not form.is_valid():
        return render_detail(
            request, change, status=400, error="Check the task's fields.", bound={"task": form}
        )
    try:
        task = work_orders.task_add(change=change, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        return _domain_error(request, change, exc, bound={"task": form})
    messages.success(request, f"Task {task.position} added.")
    return redirect("changes:detail", pk=pk)


@require_POST
@permission_required(permissions.WORK_TASK)
def task_step(request, pk: int, task_pk: int, step: str):
    if step not in work_orders.TASK_ACTIONS:
        raise Http404("No such task step.")
    change = _get(pk)
    task = get_object_or_404(change.tasks.all(), pk=task_pk)
    form = TaskStepForm(request.POST)
    form.is_valid()
    try:
        done = work_orders.task_transition(
            task=task, actor=request.user, action=step, note=form.cleaned_data.get("note", "")
        )
    except DomainError as exc:
        return _domain_error(request, change, exc)
    messages.success(request, f"Task {done.position} is now {done.get_status_display().lower()}.")
    if done.status == TaskStatus.FAILED:
        messages.warning(
            request, "A task failed: follow the rollback plan shown below if the change cannot go on."
        )
    return redirect("changes:detail", pk=pk)


# --- rendering ------------------------------------------------------------------------------------

_STALE_FORM = (
    "The form did not say which version of the change it was showing. Reload the page and try again."
)


def _form_error(form) -> str:
    return _STALE_FORM if "version" in form.errors else "Check the highlighted fields and try again."


def _domain_error(request, change: Change, exc: DomainError, *, bound=None):
    bound = dict(bound or {})
    error = exc.message
    if isinstance(exc, InvalidInput):
        for form in bound.values():
            add_form_errors(form, exc)
        error = "Some fields need attention: " + "; ".join(m for ms in exc.fields.values() for m in ms)
    else:
        bound = {}
        allowed_now = getattr(exc, "allowed_transitions", None)
        if allowed_now is not None:
            error = f"{exc.message} The page shows the change as it is now."
    return render_detail(request, _get(change.pk), status=exc.status, error=error, bound=bound)


def _actions(change: Change, user, bound: dict) -> list[dict]:
    may = {
        name: allowed(user, permissions.ASSESS if name == "assess" else permissions.TRANSITION)
        for name in ACTION_LABELS
    }
    offered = [name for name in ACTION_LABELS if name in selectors.allowed_transitions(change) and may[name]]
    if change.status == Status.DRAFT and "submit" not in offered and may["submit"]:
        offered.insert(
            0, "submit"
        )  # plans missing: submitting says which (400) rather than hiding the button
    actions = []
    for name in offered:
        form = bound.get(name) or transition_form(name)
        if name in NOTE_LABELS:
            form.fields["note"].label = NOTE_LABELS[name]
        actions.append({"name": name, "label": ACTION_LABELS[name], "form": form})
    return actions


def _label(entry: TimelineEntry) -> TimelineEntry:
    entry.from_label = STATUS_LABELS.get(entry.from_state, entry.from_state)
    entry.to_label = STATUS_LABELS.get(entry.to_state, entry.to_state)
    entry.field_label = entry.field.replace("_", " ").capitalize()
    return entry


def render_detail(request, change: Change, *, status=200, error="", bound=None, schedule=None):
    """The detail page; `bound` holds posted transition or task forms to show again, `schedule` a
    schedule panel showing a refusal (default: the panel as the user would first see it)."""
    bound = bound or {}
    user = request.user
    tasks = list(change.tasks.all())
    implementing = change.status == Status.IMPLEMENTING
    can_work_tasks = allowed(user, permissions.WORK_TASK)
    for task in tasks:
        steps = task.allowed_transitions() if implementing and can_work_tasks else []
        if steps and not work_orders.may_work(user, task, change):
            steps = []
        task.steps = [
            (step, TASK_STEP_LABELS[step], step in work_orders.TASK_NOTE_REQUIRED) for step in steps
        ]
    context = {
        "change": change,
        "tasks": tasks,
        "failed_tasks": [task for task in tasks if task.status == TaskStatus.FAILED],
        "actions": _actions(change, user, bound),
        "can_edit": change.status == Status.DRAFT and allowed(user, permissions.UPDATE),
        "can_add_task": change.status in work_orders.PLANNING_STATUSES and allowed(user, permissions.UPDATE),
        "task_form": bound.get("task") or TaskForm(),
        "schedule": schedule or schedule_panel(change, user),
        "high_risk": change.risk_level in (RiskLevel.HIGH, RiskLevel.VERY_HIGH),
        "timeline": [_label(entry) for entry in selectors.change_timeline(change=change, viewer=user)],
        "error": error,
        "nav": "changes",
    }
    return render(request, "changes/detail.html", context, status=status)
