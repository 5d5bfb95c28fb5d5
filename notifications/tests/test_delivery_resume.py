"""A worker killed in the middle of a batch (kill -9, OOM, a deploy) leaves its claims to expire; the
sweep then resumes the batch. What the killed worker had already delivered and recorded is not sent
again; the one message it may have sent in the instant before its record is sent again with the same
Message-ID (email) or webhook-id (webhook), so the copy is recognisable.

The kill is simulated by an exception that is not an Exception (as SystemExit is), raised at the
moment a real kill would strike: in the middle of sending, or between a send and its record."""

from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from notifications import delivery
from notifications.models import DeliveryAttempt, OutboxMessage

from .factories import EmailMessageFactory
from .test_delivery_batch import loopback_receivers_allowed, publish_webhooks  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db

BATCH = 6
KILLED_AT = 3  # the worker dies at the 4th message: three were delivered before


class WorkerKilled(BaseException):
    """Stands for the process ending: nothing in the delivery code may catch it."""


def kill_on_call(monkeypatch, name: str, number: int) -> None:
    """Make `delivery.<name>` kill the worker when it is called for the `number`th time."""
    real, calls = getattr(delivery, name), Counter()

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == number:
            raise WorkerKilled
        return real(*args, **kwargs)

    monkeypatch.setattr(delivery, name, dying)


def after_the_lease():
    """The killed worker's claims have expired: the sweep may claim its batch again."""
    lease = timedelta(seconds=float(delivery.conf.get("CLAIM_LEASE")) + 1)
    return time_machine.travel(timezone.now() + lease, tick=True)


def sent_emails() -> Counter:
    return Counter(email.to[0] for email in mail.outbox)


def test_emails_delivered_before_the_worker_died_are_not_sent_again(scripted_mail):
    messages = EmailMessageFactory.create_batch(BATCH)
    scripted_mail.failures = {messages[KILLED_AT].payload["to"]: WorkerKilled()}  # dies mid-send
    with pytest.raises(WorkerKilled):
        delivery.sweep()
    assert len(mail.outbox) == KILLED_AT
    assert OutboxMessage.objects.filter(status="sent").count() == KILLED_AT

    scripted_mail.failures = {}
    assert delivery.sweep() == {}  # the dead worker's claims still hold
    with after_the_lease():
        assert delivery.sweep() == {"sent": BATCH - KILLED_AT}
    assert sent_emails() == Counter(m.payload["to"] for m in messages)  # each exactly once
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}
    assert DeliveryAttempt.objects.filter(ok=True).count() == BATCH  # every send is in the log


def test_webhooks_delivered_before_the_worker_died_are_not_sent_again(
    webhook_receiver, subscription_factory, monkeypatch
):
    subscription_factory(url=webhook_receiver.url)
    messages = publish_webhooks(BATCH)
    kill_on_call(monkeypatch, "post_webhook", KILLED_AT + 1)  # dies as it starts the 4th POST
    with pytest.raises(WorkerKilled):
        delivery.sweep()
    assert len(webhook_receiver.requests) == KILLED_AT

    monkeypatch.undo()
    with after_the_lease():
        assert delivery.sweep() == {"sent": BATCH - KILLED_AT}
    received = Counter(request["headers"]["webhook-id"] for request in webhook_receiver.requests)
    assert received == Counter(m.payload["event_id"] for m in messages)  # each exactly once


def test_an_email_accepted_just_before_the_worker_died_is_sent_again_with_the_same_message_id(
    scripted_mail, monkeypatch
):
    EmailMessageFactory.create_batch(BATCH)
    kill_on_call(monkeypatch, "record_sent", KILLED_AT + 1)  # the 4th is accepted, then the worker dies
    with pytest.raises(WorkerKilled):
        delivery.sweep()
    assert len(mail.outbox) == KILLED_AT + 1

    monkeypatch.undo()
    with after_the_lease():
        assert delivery.sweep() == {"sent": BATCH - KILLED_AT}
    copies = Counter(email.extra_headers["Message-ID"] for email in mail.outbox)
    assert sorted(copies.values()) == [1] * (BATCH - 1) + [2]  # only the unrecorded one, twice
    assert len(copies) == BATCH  # one Message-ID per outbox email, the same on each copy


def test_a_webhook_accepted_just_before_the_worker_died_is_sent_again_with_the_same_id(
    webhook_receiver, subscription_factory, monkeypatch
):
    subscription_factory(url=webhook_receiver.url)
    publish_webhooks(BATCH)
    kill_on_call(monkeypatch, "record_sent", KILLED_AT + 1)
    with pytest.raises(WorkerKilled):
        delivery.sweep()

    monkeypatch.undo()
    with after_the_lease():
        assert delivery.sweep() == {"sent": BATCH - KILLED_AT}
    copies = Counter(request["headers"]["webhook-id"] for request in webhook_receiver.requests)
    assert sorted(copies.values()) == [1] * (BATCH - 1) + [2]


def test_the_message_id_is_stable_and_distinct_per_outbox_email(settings):
    settings.NOTIFICATIONS_SITE_URL = "https://opsdesk.example.com/"
    first = delivery.email_message_id("email:incident:7:breach:42")
    assert first == delivery.email_message_id("email:incident:7:breach:42")
    assert first != delivery.email_message_id("email:incident:7:breach:43")
    assert first.startswith("<opsdesk.") and first.endswith("@opsdesk.example.com>")
