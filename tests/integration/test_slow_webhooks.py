"""Timers never starve: with a webhook receiver that answers only after the send has timed out, so
that deliveries back up on the delivery worker, SLA thresholds and escalation levels still fire, and
their in-app notifications appear, within the 15 s goal of their due time.

Real time, real workers in the production topology (one worker for `timers`, one for deliveries)
on the real Redis, beat's sweep entries sent every OPSDESK_SWEEP_SECONDS: deadlines a few seconds
ahead, waited for with a bounded poll."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from core import nudge, roles
from core.timeline import timeline_for
from incidents.tests.factories import IncidentFactory
from notifications import services
from notifications.models import Notification, OutboxMessage
from notifications.tests.conftest import WebhookReceiver
from notifications.tests.factories import WebhookSubscriptionFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

GOAL = timedelta(seconds=15)
RESPONSE_TARGET = timedelta(minutes=15)  # P1's default response target; level 2 of its escalation too
LEAD = timedelta(seconds=4)  # the breach and level 2 fall due this long after the incidents exist
BACKLOG = (
    250  # webhook messages waiting (more than two sweep batches), each taking its sender the full timeout
)


@pytest.fixture
def slow_receiver(settings):
    """Answers 6 s after each POST: every send waits for the 5 s read timeout, then is retried."""
    settings.NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS = "127.0.0.0/8"
    settings.NOTIFICATIONS_WEBHOOK_TIMEOUT = 5
    receiver = WebhookReceiver()
    receiver.delay = 6.0
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def lateness(entries, due_at: datetime) -> timedelta:
    return max(entry.created_at - due_at for entry in entries)


def test_thresholds_fire_on_time_while_webhook_deliveries_back_up(
    slow_receiver, split_workers, beat, wait_until, make_user, service, settings
):
    group = Group.objects.create(name="Payments team")
    alice = make_user(roles.AGENT, username="alice")
    alice.groups.add(group)
    make_user(roles.MANAGER, username="carol")
    WebhookSubscriptionFactory(url=slow_receiver.url, event_types=["*"])
    # A backlog that keeps the delivery threads busy for minutes, left by an outage for the outbox
    # sweep to deliver (their nudges were skipped, as after a broker failure), as in issue #11.
    settings.NUDGE_BREAKER_SECONDS = 600
    nudge.breaker.failed()
    for n in range(BACKLOG):
        services.publish_webhook_event(
            event_type="incident.updated", event_key=f"backlog:{n}", payload={"incident": n}
        )
    nudge.breaker.reset()
    wait_until(lambda: len(slow_receiver.requests) >= 2, message="the delivery worker never became busy")

    due_at = timezone.now() + LEAD
    with time_machine.travel(due_at - RESPONSE_TARGET, tick=False):  # filed so that 15 min end at due_at
        incidents = [
            IncidentFactory(
                reporter=alice, service=service, impact=1, urgency=1, assignee=alice, assignment_group=group
            )
            for _ in range(3)
        ]

    def breached_and_escalated(incident) -> bool:
        return (
            Notification.objects.filter(event_key=f"incident:{incident.pk}:sla:response:breach").exists()
            and timeline_for(incident).filter(kind="escalation", data__level=2).exists()
        )

    wait_until(
        lambda: all(breached_and_escalated(i) for i in incidents), timeout=(LEAD + GOAL * 2).total_seconds()
    )

    late: dict[str, float] = {}
    for incident in incidents:
        breach = [e for e in timeline_for(incident).filter(kind="sla") if e.data["threshold"] == "breach"]
        level_2 = [e for e in timeline_for(incident).filter(kind="escalation") if e.data["level"] == 2]
        told = Notification.objects.filter(event_key=f"incident:{incident.pk}:sla:response:breach")
        assert len(breach) == len(level_2) == 1  # each fired once
        for what, rows in (("breach", breach), ("escalation level 2", level_2), ("notification", told)):
            late[f"{incident.number} {what}"] = lateness(rows, due_at).total_seconds()
    assert max(late.values()) <= GOAL.total_seconds(), f"seconds late: {late}"
    # ...while the webhooks were still backed up behind the slow receiver:
    assert OutboxMessage.objects.filter(channel="webhook", status="pending").count() > BACKLOG / 2
