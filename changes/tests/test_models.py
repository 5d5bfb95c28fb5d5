"""Transition tables: every status × every action of the change and of its tasks, allowed or 409."""

import pytest
from django.db import transaction

from changes import selectors, work_orders
from changes.lifecycle import change_apply, change_lock
from changes.models import TRANSITIONS, Change, ChangeTask, ChangeType, Status, TaskStatus
from changes.tests.factories import PARAMS as FACTORY_PARAMS
from changes.tests.factories import PLANS, change_create
from core.errors import TransitionNotAllowed

NORMAL = {
    Status.DRAFT: {"submit", "cancel"},
    Status.SUBMITTED: {"begin_assessment", "cancel"},
    Status.ASSESSMENT: {"assess", "cancel"},
    Status.AWAITING_APPROVAL: {"approve", "reject", "cancel"},
    Status.APPROVED: {"schedule", "cancel"},
    Status.REJECTED: {"revise"},
    Status.SCHEDULED: {"schedule", "start", "cancel"},
    Status.IMPLEMENTING: {"complete"},
    Status.IMPLEMENTED: {"review"},
    Status.IN_REVIEW: {"close"},
    Status.CLOSED: set(),
    Status.CANCELLED: set(),
}
EXPECTED = {
    ChangeType.NORMAL: NORMAL,
    # Pre-approved on submit; may close straight after implementation.
    ChangeType.STANDARD: {
        **NORMAL,
        Status.SUBMITTED: {"pre_approve", "cancel"},
        Status.IMPLEMENTED: {"review", "close"},
    },
    # May start as soon as it is approved.
    ChangeType.EMERGENCY: {**NORMAL, Status.APPROVED: {"schedule", "start", "cancel"}},
}
PARAMS = {
    "reject": {"reason": "No."},
    "complete": {"outcome": "successful", "data": {"outcome": "successful"}},
    "review": {"by": None, "notes": "Fine.", "lessons": ""},
    "schedule": FACTORY_PARAMS["schedule"],
}


@pytest.mark.parametrize("type_", ChangeType.values)
@pytest.mark.parametrize("status", Status.values)
def test_allowed_transitions_by_type_and_status(type_, status):
    change = Change(type=type_, status=status, **PLANS)
    assert set(change.allowed_transitions()) == EXPECTED[type_][status]
    assert set(selectors.allowed_transitions(change)) == EXPECTED[type_][status]  # the cached per-row form


def test_a_draft_without_plans_offers_no_submit():
    change = Change(type=ChangeType.NORMAL, status=Status.DRAFT)
    assert selectors.allowed_transitions(change) == ["cancel"]
    assert "submit" in selectors.allowed_transitions(Change(type=ChangeType.STANDARD, status=Status.DRAFT))


@pytest.mark.django_db
@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("action", TRANSITIONS)
def test_every_action_from_every_status_through_the_lifecycle_step(requester, status, action):
    change = change_create(actor=requester)
    Change.objects.filter(pk=change.pk).update(status=status)
    allowed = action in NORMAL[status]
    with transaction.atomic():
        locked = change_lock(change)
        if allowed:
            change_apply(locked, action=action, actor=requester, **PARAMS.get(action, {}))
        else:
            with pytest.raises(TransitionNotAllowed) as refused:
                change_apply(locked, action=action, actor=requester, **PARAMS.get(action, {}))
            assert refused.value.status == 409
            assert refused.value.current_status == status
            assert refused.value.allowed_transitions == sorted(NORMAL[status])
    change.refresh_from_db()
    assert (change.version == 2) is allowed  # applied once, or not at all


TASKS = {
    TaskStatus.PENDING: {"start", "skip"},
    TaskStatus.IN_PROGRESS: {"finish", "fail"},
    TaskStatus.DONE: set(),
    TaskStatus.FAILED: set(),
    TaskStatus.SKIPPED: set(),
}


@pytest.mark.django_db
@pytest.mark.parametrize("status", TaskStatus.values)
@pytest.mark.parametrize("action", work_orders.TASK_ACTIONS)
def test_every_task_action_from_every_task_status(chgmgr, status, action):
    change = change_create(actor=chgmgr)
    Change.objects.filter(pk=change.pk).update(status=Status.IMPLEMENTING)
    task = ChangeTask.objects.create(change=change, position=1, title="Drain node 1")
    ChangeTask.objects.filter(pk=task.pk).update(status=status)
    if action in TASKS[status]:
        done = work_orders.task_transition(task=task, actor=chgmgr, action=action, note="Because.")
        assert done.status != status
    else:
        with pytest.raises(TransitionNotAllowed) as refused:
            work_orders.task_transition(task=task, actor=chgmgr, action=action, note="Because.")
        assert refused.value.current_status == status
        assert refused.value.allowed_transitions == sorted(TASKS[status])
        assert ChangeTask.objects.get(pk=task.pk).status == status
