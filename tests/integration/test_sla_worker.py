"""SLA breaches end to end on a real worker and the real Redis: sweeps running at the same time
fire each threshold once, and every recipient gets one notification and one email."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from core import roles
from core.timeline import timeline_for
from incidents import sla
from incidents.tests.factories import IncidentFactory
from notifications.models import Notification, OutboxMessage
from sla.tasks import sweep_sla_clocks

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def overdue_p1(make_user, service):
    """A P1 filed 20 minutes ago and left alone: its 15-minute response target has passed."""
    group = Group.objects.create(name="Payments team")
    alice = make_user(roles.AGENT, username="alice")
    bob = make_user(roles.AGENT, username="bob")
    make_user(roles.MANAGER, username="carol")
    for user in (alice, bob):
        user.groups.add(group)
    with time_machine.travel(timezone.now() - timedelta(minutes=20), tick=False):
        return IncidentFactory(
            reporter=alice, service=service, impact=1, urgency=1, assignee=alice, assignment_group=group
        )


def test_concurrent_sweeps_on_a_real_worker_fire_the_breach_once(overdue_p1, celery_worker, wait_until):
    for _ in range(4):  # two worker threads take these at the same time
        sweep_sla_clocks.delay()
    breach_key = f"incident:{overdue_p1.pk}:sla:response:breach"
    wait_until(lambda: Notification.objects.filter(event_key=breach_key).count() == 3)
    wait_until(
        lambda: (
            OutboxMessage.objects.filter(
                channel="email", dedupe_key__contains=breach_key, status="sent"
            ).count()
            == 3
        )
    )

    thresholds = [e.data["threshold"] for e in timeline_for(overdue_p1).filter(kind="sla")]
    assert thresholds == ["warning_50", "warning_75", "breach"]
    recipients = sorted(
        Notification.objects.filter(event_key=breach_key).values_list("recipient__username", flat=True)
    )
    assert recipients == ["alice", "bob", "carol"]
    breach_emails = sorted(email.to[0] for email in mail.outbox if "breached" in email.subject)
    assert breach_emails == ["alice@example.com", "bob@example.com", "carol@example.com"]

    assert sla.sweep_sla_clocks() == 0  # nothing is left to fire
