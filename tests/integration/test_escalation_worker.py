"""Escalations end to end on a real worker and the real Redis: sweeps running at the same time fire
each level once, and the assignee who loses the incident is told."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from core import roles
from core.models import Team
from core.timeline import timeline_for
from incidents.tests.factories import IncidentFactory
from notifications.models import Notification
from sla.escalations import sweep_escalations
from sla.selectors import escalation_of
from sla.tasks import sweep_escalations as sweep_task

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_concurrent_escalation_sweeps_on_a_real_worker_fire_each_level_once(
    make_user, service, celery_worker, wait_until
):
    first, second = Group.objects.create(name="First line"), Group.objects.create(name="Second line")
    alice = make_user(roles.AGENT, username="alice")
    alice.groups.add(first)
    make_user(roles.MANAGER, username="carol")
    Team.objects.create(group=first, escalation_group=second)
    with time_machine.travel(timezone.now() - timedelta(minutes=20), tick=False):
        incident = IncidentFactory(
            reporter=alice, service=service, impact=1, urgency=1, assignee=alice, assignment_group=first
        )
    for _ in range(4):  # two worker threads take these at the same time
        sweep_task.delay()
    policy_id = escalation_of(incident).policy_id
    key = f"incident:{incident.pk}:escalation:{policy_id}:2"
    wait_until(lambda: Notification.objects.filter(event_key=key).count() == 2)

    assert [e.data["level"] for e in timeline_for(incident).filter(kind="escalation")] == [1, 2]
    told = sorted(Notification.objects.filter(event_key=key).values_list("recipient__username", flat=True))
    assert told == ["alice", "carol"]  # the managers, and alice who lost the incident to Second line
    assert escalation_of(incident).level == 2
    assert sweep_escalations() == 0  # nothing is left to fire
