"""End to end with a real worker on the real broker: commit → on-commit nudge → worker → email."""

import pytest
from django.core import mail
from django.db import transaction

from core import roles
from notifications import services, tasks
from notifications.models import OutboxMessage

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_committed_notification_is_emailed_by_the_worker_exactly_once(celery_worker, wait_until, make_user):
    alice = make_user(roles.AGENT, username="alice")
    with transaction.atomic():
        services.notify(
            recipients=[alice],
            event_type="incident.assigned",
            event_key="incident:7:assigned:alice",
            title="INC-000007 was assigned to you",
            url="/incidents/7/",
        )
        message = OutboxMessage.objects.get()
    wait_until(lambda: OutboxMessage.objects.filter(pk=message.pk, status="sent").exists())
    message.refresh_from_db()
    assert message.attempts == 1
    assert [(email.to, email.subject) for email in mail.outbox] == [
        (["alice@example.com"], "[OpsDesk] INC-000007 was assigned to you")
    ]


def test_a_rolled_back_notification_never_reaches_the_worker(celery_worker, wait_until, make_user):
    alice = make_user(roles.AGENT, username="alice")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify(recipients=[alice], event_type="incident.assigned", event_key="k:1", title="Never")
        raise RuntimeError("the cause failed")
    # A committed marker notification, nudged after the rolled-back one would have been:
    services.notify(recipients=[alice], event_type="incident.assigned", event_key="k:2", title="Marker")
    wait_until(lambda: OutboxMessage.objects.filter(status="sent").exists())
    assert [email.subject for email in mail.outbox] == ["[OpsDesk] Marker"]
    assert OutboxMessage.objects.count() == 1


def test_the_sweep_task_delivers_messages_whose_nudge_was_lost(celery_worker, wait_until):
    # Outbox rows committed without any nudge, as if the broker had lost them.
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            channel="email",
            dedupe_key=f"email:lost:{n}",
            payload={"to": f"person{n}@example.com", "subject": f"Lost {n}", "body": ""},
        )
        for n in range(3)
    )
    tasks.sweep_outbox.delay()  # what beat does every few seconds
    wait_until(lambda: not OutboxMessage.objects.exclude(status="sent").exists())
    assert sorted(email.subject for email in mail.outbox) == ["Lost 0", "Lost 1", "Lost 2"]
