"""The shared lifecycle step: one transition saves, bumps the version, records the timeline and the
event; an illegal one is a 409 naming the state and the allowed transitions."""

import pytest
from django.contrib.auth.models import User
from django.db import transaction

from changes.lifecycle import change_apply, change_lock
from changes.models import Change, ChangeType, Status
from core.errors import TransitionNotAllowed
from core.models import Event, TimelineEntry


@pytest.fixture
def requester(db):
    return User.objects.create_user("req")


def _change(requester, **fields):
    values = dict(
        number="CHG-900001",
        title="Rotate TLS certificates",
        requester=requester,
        implementation_plan="Run the playbook",
        rollback_plan="Restore the old certificate",
        test_plan="Check the handshake",
    )
    values.update(fields)
    return Change.objects.create(**values)


def test_submit_records_timeline_and_event(requester):
    change = _change(requester)
    with transaction.atomic():
        locked = change_apply(change_lock(change), action="submit", actor=requester)
    assert locked.status == Status.SUBMITTED and locked.version == 2
    entry = TimelineEntry.objects.get(object_id=change.pk, kind="transition")
    assert (entry.from_state, entry.to_state) == ("draft", "submitted")
    assert Event.objects.filter(type="change.submitted").count() == 1


def test_normal_change_without_plans_cannot_submit(requester):
    change = _change(requester, rollback_plan="")
    with pytest.raises(TransitionNotAllowed) as refused, transaction.atomic():
        change_apply(change_lock(change), action="submit", actor=requester)
    assert refused.value.current_status == "draft"
    assert "Allowed transitions" in refused.value.message


@pytest.mark.parametrize(
    ("type_", "status", "action", "allowed"),
    [
        (ChangeType.EMERGENCY, Status.APPROVED, "start", True),
        (ChangeType.NORMAL, Status.APPROVED, "start", False),
        (ChangeType.NORMAL, Status.SCHEDULED, "start", True),
        (ChangeType.STANDARD, Status.IMPLEMENTED, "close", True),
        (ChangeType.NORMAL, Status.IMPLEMENTED, "close", False),
        (ChangeType.NORMAL, Status.IN_REVIEW, "close", True),
    ],
)
def test_stacked_transitions_follow_the_type(requester, type_, status, action, allowed):
    change = _change(requester, type=type_)
    Change.objects.filter(pk=change.pk).update(status=status)
    change.refresh_from_db()
    assert (action in change.allowed_transitions()) is allowed
