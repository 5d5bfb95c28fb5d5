"""Work orders: planning the task list, who may work a task, what a failure tells whom, and two people
acting on one change at once."""

import threading

import pytest
from django.contrib.auth.models import Group
from django.db import close_old_connections

from changes import services, work_orders
from changes.models import Change, Status, TaskStatus
from changes.tests.factories import change_create, change_in_state
from core import roles
from core.errors import ConcurrentModification, InvalidInput, NotPermitted, TransitionNotAllowed
from core.models import Event

pytestmark = pytest.mark.django_db


def test_tasks_are_planned_until_scheduling(requester):
    change = change_in_state(Status.SCHEDULED, actor=requester)
    first = work_orders.task_add(change=change, actor=requester, title="Drain node 1")
    second = work_orders.task_add(change=change, actor=requester, title="Upgrade node 1")
    assert (first.position, second.position) == (1, 2)
    with pytest.raises(InvalidInput):
        work_orders.task_reorder(change=change, actor=requester, order=[second.pk])
    ordered = work_orders.task_reorder(change=change, actor=requester, order=[second.pk, first.pk])
    assert [task.title for task in ordered] == ["Upgrade node 1", "Drain node 1"]
    services.change_start(change=change, actor=requester)
    with pytest.raises(TransitionNotAllowed) as refused:
        work_orders.task_add(change=change, actor=requester, title="Late")
    assert "planned until the change is scheduled" in refused.value.message


def test_tasks_are_worked_only_while_implementing(requester):
    change = change_in_state(Status.SCHEDULED, actor=requester)
    task = work_orders.task_add(change=change, actor=requester, title="Drain", assignee=requester)
    with pytest.raises(TransitionNotAllowed) as refused:
        work_orders.task_start(task=task, actor=requester)
    assert "while the change is implementing" in refused.value.message


@pytest.mark.parametrize("who", ["assignee", "group member", "implementer", "change manager", "stranger"])
def test_who_may_work_a_task(requester, make_user, who):
    team = Group.objects.create(name="DBA")
    worker = make_user(roles.CHANGE_MANAGER if who == "change manager" else roles.AGENT, username="worker")
    implementer = worker if who == "implementer" else requester
    change = change_in_state(Status.IMPLEMENTING, actor=requester, implementer=implementer)
    task = change.tasks.create(
        position=1,
        title="Reboot",
        assignee=worker if who == "assignee" else None,
        assignment_group=team,
    )
    if who == "group member":
        worker.groups.add(team)
    if who == "stranger":
        with pytest.raises(NotPermitted):
            work_orders.task_start(task=task, actor=worker)
        assert change.tasks.get().status == TaskStatus.PENDING
    else:
        assert work_orders.task_start(task=task, actor=worker).status == TaskStatus.IN_PROGRESS


def test_a_failed_task_needs_a_note_and_tells_the_implementer_and_requester(requester, make_user):
    implementer = make_user(roles.AGENT, username="implementer")
    change = change_in_state(Status.IMPLEMENTING, actor=requester, implementer=implementer)
    task = change.tasks.create(position=1, title="Upgrade", assignee=implementer)
    work_orders.task_start(task=task, actor=implementer)
    with pytest.raises(InvalidInput):
        work_orders.task_fail(task=task, actor=implementer, note=" ")
    work_orders.task_fail(task=task, actor=implementer, note="Package conflict.")
    event = Event.objects.get(type="change.task_failed")
    assert event.audience == [requester.pk]  # the implementer reported it
    assert event.payload["task"] == {
        "id": task.pk,
        "position": 1,
        "title": "Upgrade",
        "note": "Package conflict.",
    }


@pytest.mark.django_db(transaction=True)
def test_two_people_submitting_at_once_submit_once(requester, low_service):
    change = change_create(actor=requester, services=[low_service])
    barrier, outcomes = threading.Barrier(2), []

    def submit():
        try:
            barrier.wait()
            services.change_submit(change=change, actor=requester, expected_version=1)
            outcomes.append("submitted")
        except (ConcurrentModification, TransitionNotAllowed) as exc:
            outcomes.append(type(exc).__name__)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ConcurrentModification", "submitted"]
    assert Change.objects.get(pk=change.pk).status == Status.AWAITING_APPROVAL
    assert Event.objects.filter(type="change.submitted", object_id=change.pk).count() == 1


@pytest.mark.django_db(transaction=True)
def test_complete_and_a_task_start_at_once_are_serialised_on_the_change(requester):
    change = change_in_state(Status.IMPLEMENTING, actor=requester, implementer=requester)
    task = change.tasks.create(position=1, title="Last check", assignee=requester)
    work_orders.task_skip(task=task, actor=requester, note="Not needed.")
    extra = change.tasks.create(position=2, title="One more", assignee=requester)
    barrier, outcomes = threading.Barrier(2), []

    def run(call):
        try:
            barrier.wait()
            call()
            outcomes.append("ok")
        except TransitionNotAllowed:
            outcomes.append("refused")
        finally:
            close_old_connections()

    calls = [
        lambda: services.change_complete(change=change, actor=requester, outcome="successful"),
        lambda: work_orders.task_start(task=extra, actor=requester),
    ]
    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Both lock the change first: the pending task refuses the completion whichever runs first.
    assert Change.objects.get(pk=change.pk).status == Status.IMPLEMENTING
    assert change.tasks.get(pk=extra.pk).status == TaskStatus.IN_PROGRESS
    assert sorted(outcomes) == ["ok", "refused"]
