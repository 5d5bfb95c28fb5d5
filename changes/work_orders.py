"""Work orders: the ordered implementation tasks of a change. Planned (added, reordered) while the change
is being prepared, up to scheduling; worked (start, finish, fail, skip) while it is implementing, by the
task's assignee, a member of its group, the change's implementer or a change manager. Plus the "my work"
selector: the tasks assigned to me or my groups and the changes I implement."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django_fsm import can_proceed

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.models import TimelineEntry
from core.permissions import require
from core.timeline import timeline_record
from core.validation import field_errors

from . import events, permissions
from .announce import announce
from .lifecycle import change_lock, refuse
from .models import ACTIVE_STATUSES, Change, ChangeTask, Status, TaskStatus

# Tasks are planned from the draft until the change is scheduled.
PLANNING_STATUSES = (
    Status.DRAFT,
    Status.SUBMITTED,
    Status.ASSESSMENT,
    Status.AWAITING_APPROVAL,
    Status.APPROVED,
    Status.REJECTED,
    Status.SCHEDULED,
)
TASK_ACTIONS = ("start", "finish", "fail", "skip")
TASK_NOTE_REQUIRED = {
    "fail": "Say what went wrong: the change's rollback plan is offered next.",
    "skip": "Say why the task is skipped.",
}
TASK_STATUS_LABELS = dict(TaskStatus.choices)
MY_WORK_LIMIT = 200  # rows per list on the "my work" page
MAX_TASKS = 100  # per change: the task list is read whole (API, page)


def _refuse_unless_planning(change: Change, what: str) -> None:
    if change.status not in PLANNING_STATUSES:
        raise refuse(
            change,
            what,
            f"Tasks are planned until the change is scheduled; {change.number} is "
            f"{change.get_status_display().lower()}.",
        )


def _record(
    change: Change, *, actor, at: datetime, task: ChangeTask, old: str, new: str, note: str = ""
) -> None:
    timeline_record(
        subject=change,
        kind=TimelineEntry.Kind.FIELD_CHANGE,
        actor=actor,
        created_at=at,
        field=f"task {task.position}",
        old_value=old,
        new_value=new,
        note=note,
        data={"task": task.pk, "title": task.title},
    )


def task_add(
    *,
    change: Change,
    actor: AbstractBaseUser,
    title: str,
    instructions: str = "",
    assignee: AbstractBaseUser | None = None,
    assignment_group: Group | None = None,
    planned_start: datetime | None = None,
    planned_end: datetime | None = None,
) -> ChangeTask:
    """Append a task to the change's work orders (reorder them with task_reorder)."""
    require(actor, permissions.UPDATE)
    with field_errors() as errors:
        errors.check((title or "").strip(), "title", "A task needs a title.")
        if planned_start and planned_end and planned_end <= planned_start:
            errors.add("planned_end", "The planned end must be after the planned start.")
        if assignee is not None and not permissions.can_request(assignee):
            errors.add(
                "assignee",
                f"'{assignee}' cannot work change tasks (needs the agent, manager or change manager role).",
            )
    with transaction.atomic():
        locked = change_lock(change)
        _refuse_unless_planning(locked, "add a task to")
        if locked.tasks.count() >= MAX_TASKS:
            raise InvalidInput({"title": f"A change has at most {MAX_TASKS} tasks."})
        last = locked.tasks.order_by("-position").values_list("position", flat=True).first() or 0
        task = ChangeTask.objects.create(
            change=locked,
            position=last + 1,
            title=title.strip(),
            instructions=instructions,
            assignee=assignee,
            assignment_group=assignment_group,
            planned_start=planned_start,
            planned_end=planned_end,
        )
        _record(locked, actor=actor, at=timezone.now(), task=task, old="", new=f"Added: {task.title}")
    return task


def task_reorder(*, change: Change, actor: AbstractBaseUser, order: list[int]) -> list[ChangeTask]:
    """Put the change's tasks in the order of `order` (every task id of the change, once each)."""
    require(actor, permissions.UPDATE)
    with transaction.atomic():
        locked = change_lock(change)
        _refuse_unless_planning(locked, "reorder the tasks of")
        tasks = {task.pk: task for task in locked.tasks.select_for_update()}
        if sorted(order) != sorted(tasks):
            raise InvalidInput({"order": f"List every task id of {locked.number} once: {sorted(tasks)}."})
        # Positions are unique per change: move every task out of the way first, then into place.
        locked.tasks.update(position=F("position") + 10000)
        for position, pk in enumerate(order, start=1):
            ChangeTask.objects.filter(pk=pk).update(position=position)
        timeline_record(
            subject=locked,
            kind=TimelineEntry.Kind.FIELD_CHANGE,
            actor=actor,
            field="task order",
            new_value=", ".join(tasks[pk].title for pk in order),
        )
    return list(locked.tasks.order_by("position"))


def may_work(user: AbstractBaseUser, task: ChangeTask, change: Change) -> bool:
    """The task's assignee, a member of its group, the change's implementer or a change manager."""
    if not permissions.can_request(user) and not permissions.can_manage(user):
        return False
    if permissions.can_manage(user) or task.assignee_id == user.pk or change.implementer_id == user.pk:
        return True
    return task.assignment_group_id in _group_ids(user)


def _group_ids(user: AbstractBaseUser) -> frozenset[int]:
    """The user's group ids, read once per request (a page checks every task of a change)."""
    cached = getattr(user, "_change_group_ids", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("pk", flat=True))
        user._change_group_ids = cached
    return cached


def task_transition(*, task: ChangeTask, actor: AbstractBaseUser, action: str, note: str = "") -> ChangeTask:
    """Start, finish, fail or skip a task of a change that is implementing; fail and skip need a note."""
    require(actor, permissions.WORK_TASK)
    if action not in TASK_ACTIONS:
        raise InvalidInput({"action": f"Unknown task action '{action}'."})
    note = (note or "").strip()
    if action in TASK_NOTE_REQUIRED and not note:
        raise InvalidInput({"note": TASK_NOTE_REQUIRED[action]})
    with transaction.atomic():
        change = change_lock(task.change_id)  # one writer at a time per change (see change_complete)
        locked = ChangeTask.objects.select_for_update().get(pk=task.pk)
        if not may_work(actor, locked, change):
            raise NotPermitted(
                "Only the task's assignee, its group, the change's implementer or a change manager may work it."
            )
        if change.status != Status.IMPLEMENTING:
            raise TransitionNotAllowed(
                action=f"{action} a task",
                current_status=locked.status,
                allowed=locked.allowed_transitions(),
                reason=f"Tasks are worked while the change is implementing; {change.number} is "
                f"{change.get_status_display().lower()}.",
            )
        method = getattr(locked, action)
        if not can_proceed(method):
            raise TransitionNotAllowed(
                action=action, current_status=locked.status, allowed=locked.allowed_transitions()
            )
        old = locked.status
        now = timezone.now()
        method(at=now, **({"note": note} if action != "start" else {}))
        locked.save()
        _record(
            change,
            actor=actor,
            at=now,
            task=locked,
            old=TASK_STATUS_LABELS[old],
            new=TASK_STATUS_LABELS[locked.status],
            note=note,
        )
        if locked.status == TaskStatus.FAILED:
            _announce_failure(change, locked, actor=actor)
    locked.change = change
    return locked


def _announce_failure(change: Change, task: ChangeTask, *, actor) -> None:
    """Tell the implementer and the requester (not whoever reported it) that the rollback plan may be needed."""
    people = {person.pk: person for person in (change.implementer, change.requester) if person is not None}
    people.pop(actor.pk, None)
    announce(
        change,
        event_type=events.TASK_FAILED.name,
        event_key=f"change:{change.pk}:task:{task.pk}:failed",
        title=f"{change.number}: task {task.position} failed",
        body=f"{task.title}: {task.note} — see the rollback plan.",
        recipients=list(people.values()),
        data={"task": {"id": task.pk, "position": task.position, "title": task.title, "note": task.note}},
        actor=actor,
    )


def task_start(*, task: ChangeTask, actor: AbstractBaseUser) -> ChangeTask:
    return task_transition(task=task, actor=actor, action="start")


def task_finish(*, task: ChangeTask, actor: AbstractBaseUser, note: str = "") -> ChangeTask:
    return task_transition(task=task, actor=actor, action="finish", note=note)


def task_fail(*, task: ChangeTask, actor: AbstractBaseUser, note: str) -> ChangeTask:
    return task_transition(task=task, actor=actor, action="fail", note=note)


def task_skip(*, task: ChangeTask, actor: AbstractBaseUser, note: str) -> ChangeTask:
    return task_transition(task=task, actor=actor, action="skip", note=note)


# --- reads ----------------------------------------------------------------------------------------


def task_list(change: Change | int) -> QuerySet[ChangeTask]:
    return (
        ChangeTask.objects.filter(change=change)
        .select_related("assignee", "assignment_group")
        .order_by("position", "id")
    )


@dataclass(frozen=True)
class MyWork:
    tasks: list[ChangeTask]
    changes: list[Change]


def my_work(*, user: AbstractBaseUser) -> MyWork:
    """Unfinished tasks assigned to `user` or to one of their groups, on changes still under way, and the
    changes `user` implements that are not finished: two queries (plus the user's groups, once)."""
    group_ids = list(user.groups.values_list("pk", flat=True))
    open_changes = (*ACTIVE_STATUSES, Status.IMPLEMENTED, Status.IN_REVIEW)
    tasks = (
        ChangeTask.objects.filter(Q(assignee=user) | Q(assignment_group_id__in=group_ids))
        .filter(status__in=(TaskStatus.PENDING, TaskStatus.IN_PROGRESS), change__status__in=ACTIVE_STATUSES)
        .select_related("change", "assignee", "assignment_group")
        .order_by(F("change__planned_start").asc(nulls_last=True), "change_id", "position")[:MY_WORK_LIMIT]
    )
    changes = (
        Change.objects.filter(implementer=user, status__in=open_changes)
        .select_related("requester")
        .order_by(F("planned_start").asc(nulls_last=True), "id")[:MY_WORK_LIMIT]
    )
    return MyWork(tasks=list(tasks), changes=list(changes))
