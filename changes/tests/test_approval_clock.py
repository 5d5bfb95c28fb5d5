"""The approval clock (the shipped SLA policies of process "change"): two business days on office hours
from the moment a change is sent for approval; after one business day the approvers whose vote is
pending are reminded, at the deadline the change managers hear it is overdue. Exactly once each."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model

from changes.approvals import change_vote
from changes.tests.approval_factories import change_awaiting_approval
from core import roles
from core.models import Event
from core.timeline import timeline_for
from sla import engine
from sla.models import SlaClock

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday, office hours 09:00-17:00 UTC
TUESDAY_10 = T0 + timedelta(days=1)  # one business day (8 h) later
WEDNESDAY_10 = T0 + timedelta(days=2)  # two business days


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def change(agent, board, chgmgr):
    with at(T0):
        return change_awaiting_approval(requester=agent, at=T0)


def audience(event_type: str) -> set[str]:
    [event] = Event.objects.filter(type=event_type)
    return set(get_user_model().objects.filter(pk__in=event.audience).values_list("username", flat=True))


def test_the_clock_runs_two_business_days_from_the_request(change):
    clock = SlaClock.objects.get(change=change, target="approval")
    assert clock.due_at == WEDNESDAY_10
    assert clock.half_at == TUESDAY_10


def test_pending_approvers_are_reminded_then_change_managers_hear_it_is_overdue(change, board):
    with at(T0 + timedelta(hours=1)):
        change_vote(change=change, actor=board[roles.CAB_TECH_LEAD], decision="approve")
    with at(TUESDAY_10 - timedelta(minutes=1)):
        assert engine.sweep_clocks() == 0
    with at(TUESDAY_10 + timedelta(minutes=1)):
        assert engine.sweep_clocks() == 1
        assert engine.sweep_clocks() == 0  # fired once
    reminder = Event.objects.get(type="change.approval_reminder")
    assert reminder.payload["pending_roles"] == [roles.CAB_PRODUCT_OWNER, roles.CAB_OPS_MANAGER]
    assert audience("change.approval_reminder") == {roles.CAB_PRODUCT_OWNER, roles.CAB_OPS_MANAGER}
    with at(WEDNESDAY_10 + timedelta(minutes=1)):
        assert engine.sweep_clocks() == 2  # 75 % (timeline only) and the breach
    overdue = Event.objects.get(type="change.approval_overdue")
    assert overdue.payload["due_at"] == WEDNESDAY_10.isoformat()
    assert audience("change.approval_overdue") == {"chgmgr", roles.CAB_PRODUCT_OWNER, roles.CAB_OPS_MANAGER}
    thresholds = change.approval_round, [e.data["threshold"] for e in _sla_entries(change)]
    assert thresholds == (1, ["warning_50", "warning_75", "breach"])


def test_a_decided_change_stops_its_clock(change, board):
    with at(T0 + timedelta(hours=2)):
        for role in roles.CAB_ROLES:
            change_vote(change=change, actor=board[role], decision="approve")
    clock = SlaClock.objects.get(change=change, target="approval")
    assert clock.stopped_at == T0 + timedelta(hours=2)
    with at(WEDNESDAY_10 + timedelta(days=7)):
        assert engine.sweep_clocks() == 0
    assert not Event.objects.filter(type__in=["change.approval_reminder", "change.approval_overdue"]).exists()


def test_a_weekend_does_not_count(agent, board):
    friday_16 = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    with at(friday_16):
        change = change_awaiting_approval(requester=agent, at=friday_16)
    clock = SlaClock.objects.get(change=change, target="approval")
    # 1 h on Friday, 8 h on Monday, 7 h on Tuesday: due Tuesday 16:00.
    assert clock.due_at == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)


def _sla_entries(change):
    return timeline_for(change).filter(kind="sla")
