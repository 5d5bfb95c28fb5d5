"""Delivery: emails and signed webhooks, retries with backoff, dead letters, the sweep, crashes."""

import random
import socket
import threading
from datetime import UTC, datetime, timedelta
from smtplib import SMTPException, SMTPRecipientsRefused

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone
from standardwebhooks import Webhook

from core import roles
from core.errors import NotPermitted
from notifications import delivery, services, tasks
from notifications.models import DeliveryAttempt, OutboxMessage

from .factories import EmailMessageFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EVENT = {"event_type": "incident.breached", "event_key": "incident:7:breach:response"}


@pytest.fixture(autouse=True)
def loopback_receivers_allowed(settings):
    """These tests deliver to a real receiver on 127.0.0.1, a destination the SSRF guard refuses
    unless the operator allows it (see test_webhook_security.py for the refusals)."""
    settings.NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS = "127.0.0.0/8"


def publish(payload=None) -> list[OutboxMessage]:
    return services.publish_webhook_event(**EVENT, payload=payload or {"incident": 7})


def reload(message: OutboxMessage) -> OutboxMessage:
    message.refresh_from_db()
    return message


# --- email ------------------------------------------------------------------------------------


def test_an_email_is_sent_once_and_logged(make_user):
    alice = make_user(roles.AGENT, username="alice")
    services.notify(
        recipients=[alice], title="Assigned to you", body="INC-000007", url="/incidents/7/", **EVENT
    )
    message = OutboxMessage.objects.get()
    assert tasks.deliver_outbox_message(message.pk) == "sent"
    assert tasks.deliver_outbox_message(message.pk) == "skipped"
    [email] = mail.outbox
    assert (email.to, email.subject) == (["alice@example.com"], "[OpsDesk] Assigned to you")
    assert email.body == "INC-000007\n\nhttp://127.0.0.1:8000/incidents/7/"
    message = reload(message)
    assert (message.status, message.attempts, message.last_error) == ("sent", 1, "")
    assert message.sent_at is not None
    [attempt] = message.delivery_attempts.all()
    assert (attempt.attempt, attempt.ok, attempt.status_code) == (1, True, None)


def test_an_smtp_failure_is_retried_and_a_refused_recipient_is_dead(scripted_mail):
    flaky, refused = EmailMessageFactory(), EmailMessageFactory()
    scripted_mail.failures = {
        flaky.payload["to"]: SMTPException("451 try again later"),
        refused.payload["to"]: SMTPRecipientsRefused({"x@example.com": (550, b"no such user")}),
    }
    assert delivery.deliver(flaky.pk) == "pending"
    assert "451 try again later" in reload(flaky).last_error
    assert delivery.deliver(refused.pk) == "dead"
    assert reload(refused).last_error.startswith("Recipient refused")


def test_an_unexpected_error_while_sending_is_recorded_and_backed_off(monkeypatch):
    message = EmailMessageFactory()

    def bug(message, senders):
        raise KeyError("subject")

    monkeypatch.setattr(delivery, "send", bug)
    assert delivery.deliver(message.pk) == "pending"
    message = reload(message)
    assert message.last_error == "KeyError: 'subject'" and message.next_attempt_at > timezone.now()


# --- webhooks ---------------------------------------------------------------------------------


def test_a_webhook_is_posted_as_signed_json(webhook_receiver, subscription_factory):
    subscription = subscription_factory(url=webhook_receiver.url, event_types=["incident.breached"])
    [message] = publish({"incident": {"id": 7, "number": "INC-000007"}})
    assert delivery.deliver(message.pk) == "sent"
    [request] = webhook_receiver.requests
    headers, body = request["headers"], request["body"]
    assert request["path"] == "/hooks/opsdesk"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-OpsDesk-Event"] == "incident.breached"
    assert headers["X-OpsDesk-Delivery"] == headers["webhook-id"] == "incident:7:breach:response"
    assert "X-OpsDesk-Signature" not in headers  # replaced by the Standard Webhooks signature
    assert body == message.payload["body"].encode()
    # Verified as a receiver would, with the official Standard Webhooks library:
    assert Webhook(subscription.secret).verify(body, dict(headers)) == {
        "id": "incident:7:breach:response",
        "type": "incident.breached",
        "created_at": message.created_at.isoformat(),
        "data": {"incident": {"id": 7, "number": "INC-000007"}},
    }
    [attempt] = reload(message).delivery_attempts.all()
    assert (attempt.ok, attempt.status_code) == (True, 200)


def test_failed_deliveries_back_off_longer_each_time_then_succeed(webhook_receiver, subscription_factory):
    subscription_factory(url=webhook_receiver.url)
    webhook_receiver.statuses = [500, 500]  # then the default 200
    with time_machine.travel(T0, tick=False) as clock:
        [message] = publish()
        assert delivery.deliver(message.pk) == "pending"
        first_wait = reload(message).next_attempt_at - T0
        assert delivery.deliver(message.pk) == "skipped"  # not due yet: nothing sent
        assert len(webhook_receiver.requests) == 1

        clock.move_to(message.next_attempt_at)
        second_try = timezone.now()
        assert delivery.deliver(message.pk) == "pending"
        second_wait = reload(message).next_attempt_at - second_try
        assert timedelta(seconds=5) < first_wait < second_wait <= timedelta(seconds=20)

        clock.move_to(message.next_attempt_at)
        assert delivery.sweep() == {"sent": 1}

    message = reload(message)
    assert (message.status, message.attempts) == ("sent", 3)
    attempts = list(message.delivery_attempts.all())
    assert [(a.attempt, a.ok, a.status_code) for a in attempts] == [
        (1, False, 500),
        (2, False, 500),
        (3, True, 200),
    ]
    assert attempts[0].error.startswith("HTTP 500") and "receiver says no" in attempts[0].error
    assert len(webhook_receiver.requests) == 3
    assert len({r["body"] for r in webhook_receiver.requests}) == 1  # identical bytes on every retry
    assert len({r["headers"]["webhook-id"] for r in webhook_receiver.requests}) == 1  # dedupe key
    # ... but each attempt is signed afresh at its own time (a receiver refuses stale timestamps).
    assert len({r["headers"]["webhook-timestamp"] for r in webhook_receiver.requests}) == 3
    assert len({r["headers"]["webhook-signature"] for r in webhook_receiver.requests}) == 3


def test_after_the_last_attempt_the_message_is_dead(webhook_receiver, subscription_factory, settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    subscription_factory(url=webhook_receiver.url)
    webhook_receiver.default_status = 503
    with time_machine.travel(T0, tick=False) as clock:
        [message] = publish()
        results = []
        for _ in range(3):
            results.append(delivery.deliver(message.pk))
            clock.move_to(reload(message).next_attempt_at + timedelta(hours=1))
        assert results == ["pending", "pending", "dead"]
        assert delivery.sweep() == {}
    message = reload(message)
    assert (message.status, message.attempts) == ("dead", 3)
    assert message.last_error.startswith("HTTP 503")
    assert len(webhook_receiver.requests) == 3


def test_a_subscription_for_another_event_type_receives_nothing(webhook_receiver, subscription_factory):
    subscription_factory(url=webhook_receiver.url, event_types=["change.approved"])
    assert publish() == []
    delivery.sweep()
    assert webhook_receiver.requests == []


def test_a_redirect_is_not_followed_and_counts_as_a_failure(webhook_receiver, subscription_factory):
    subscription_factory(url=webhook_receiver.url)
    webhook_receiver.statuses = [302]
    [message] = publish()
    assert delivery.deliver(message.pk) == "pending"
    [attempt] = message.delivery_attempts.all()
    assert (attempt.ok, attempt.status_code) == (False, 302)
    assert len(webhook_receiver.requests) == 1


def test_an_unreachable_receiver_is_retried(subscription_factory):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    subscription_factory(url=f"http://127.0.0.1:{port}/hook")
    [message] = publish()
    assert delivery.deliver(message.pk) == "pending"
    assert reload(message).last_error.startswith("Connection failed")


def test_a_slow_receiver_times_out(webhook_receiver, subscription_factory, settings):
    settings.NOTIFICATIONS_WEBHOOK_TIMEOUT = 0.2
    subscription_factory(url=webhook_receiver.url)
    webhook_receiver.delay = 1.0
    [message] = publish()
    assert delivery.deliver(message.pk) == "pending"
    assert "timed out" in reload(message).last_error


def test_a_deleted_or_paused_subscription_makes_its_messages_dead(
    webhook_receiver, subscription_factory, manager
):
    deleted = subscription_factory(url=webhook_receiver.url)
    paused = subscription_factory(url=webhook_receiver.url)
    messages = {m.subscription_id: m for m in publish()}
    services.webhook_subscription_update(subscription=paused, actor=manager, active=False)
    services.webhook_subscription_delete(subscription=deleted, actor=manager)
    assert delivery.sweep() == {"dead": 2}
    assert reload(messages[deleted.pk]).last_error == "The webhook subscription was deleted."
    assert reload(messages[paused.pk]).last_error == "The webhook subscription is inactive."
    assert webhook_receiver.requests == []


# --- sweep, crashes, races --------------------------------------------------------------------


def test_the_sweep_delivers_messages_whose_nudge_was_lost(make_user):
    users = [make_user(roles.AGENT) for _ in range(3)]
    services.notify(recipients=users, title="Nudge lost", **EVENT)  # on-commit hooks never run here
    assert OutboxMessage.objects.filter(status="pending").count() == 3 and mail.outbox == []
    assert tasks.sweep_outbox() == {"sent": 3}
    assert sorted(email.to[0] for email in mail.outbox) == sorted(user.email for user in users)
    assert tasks.sweep_outbox() == {}


def test_the_sweep_works_in_bounded_batches(settings):
    settings.NOTIFICATIONS_SWEEP_BATCH_SIZE = 2
    settings.NOTIFICATIONS_SWEEP_MAX_BATCHES = 2
    EmailMessageFactory.create_batch(5)
    assert delivery.sweep() == {"sent": 4}
    assert delivery.sweep() == {"sent": 1}
    assert len(mail.outbox) == 5


def test_a_message_claimed_by_a_worker_that_died_is_delivered_by_a_later_sweep():
    with time_machine.travel(T0, tick=False) as clock:
        message = EmailMessageFactory()
        assert delivery.claim(message.pk) is not None  # ... and the worker is killed mid-send
        assert delivery.sweep() == {}  # the claim still holds
        clock.shift(timedelta(seconds=61))  # the lease (60 s) ran out
        assert delivery.sweep() == {"sent": 1}
    message = reload(message)
    assert (message.status, message.attempts) == ("sent", 2)
    assert len(mail.outbox) == 1


def test_a_lost_final_attempt_gives_up(settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 1
    with time_machine.travel(T0, tick=False) as clock:
        message = EmailMessageFactory()
        delivery.claim(message.pk)
        clock.shift(timedelta(minutes=5))
        assert delivery.sweep() == {"dead": 1}
    message = reload(message)
    assert message.status == "dead" and "never reported a result" in message.last_error
    assert mail.outbox == []


def test_a_late_failure_does_not_overwrite_a_newer_claim():
    with time_machine.travel(T0, tick=False) as clock:
        message = EmailMessageFactory()
        slow = delivery.claim(message.pk)
        clock.shift(timedelta(seconds=61))
        fresh = delivery.claim(message.pk)
        lease_of_fresh = reload(message).next_attempt_at
        assert (
            delivery.record(slow, delivery.Outcome(ok=False, error="timeout"), duration_ms=60000) == "stale"
        )
        assert reload(message).next_attempt_at == lease_of_fresh
        assert delivery.record(fresh, delivery.Outcome(ok=True), duration_ms=5) == "sent"
    assert [(a.attempt, a.ok) for a in message.delivery_attempts.all()] == [(1, False), (2, True)]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_deliver_each_email_exactly_once():
    messages = EmailMessageFactory.create_batch(40)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            barrier.wait()
            results.append(delivery.sweep())
        except Exception as exc:  # surfaced below: an exception in a thread would be lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(result.get("sent", 0) for result in results) == 40
    assert sorted(email.to[0] for email in mail.outbox) == sorted(m.payload["to"] for m in messages)
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert DeliveryAttempt.objects.count() == 40


# --- retry, purge, backoff --------------------------------------------------------------------


def test_retry_now_revives_dead_messages_and_leaves_sent_ones(
    manager, agent, django_capture_on_commit_callbacks
):
    dead = EmailMessageFactory(status="dead", attempts=8, next_attempt_at=T0)
    sent = EmailMessageFactory(status="sent", attempts=1)
    with django_capture_on_commit_callbacks() as nudges:
        assert services.outbox_message_retry(actor=manager, message_ids=[dead.pk, sent.pk]) == 1
    assert len(nudges) == 1
    dead = reload(dead)
    assert (dead.status, dead.attempts) == ("pending", 0) and dead.next_attempt_at > T0
    assert reload(sent).status == "sent"
    with pytest.raises(NotPermitted):
        services.outbox_message_retry(actor=agent, message_ids=[dead.pk])


def test_purge_drops_old_sent_messages_only():
    with time_machine.travel(T0, tick=False):
        old_sent = EmailMessageFactory(status="sent", sent_at=T0 - timedelta(days=31))
        EmailMessageFactory(status="sent", sent_at=T0 - timedelta(days=1))
        EmailMessageFactory(status="dead")
        DeliveryAttempt.objects.create(message=old_sent, attempt=1, ok=True)
        assert tasks.purge_sent_outbox() == 1
    assert OutboxMessage.objects.count() == 2 and not DeliveryAttempt.objects.exists()


def test_backoff_doubles_up_to_the_cap_with_bounded_jitter(settings):
    settings.NOTIFICATIONS_BACKOFF_BASE = 10
    settings.NOTIFICATIONS_BACKOFF_CAP = 3600
    settings.NOTIFICATIONS_BACKOFF_JITTER = 0.2

    class Fixed(random.Random):
        def __init__(self, value):
            super().__init__()
            self.value = value

        def random(self):
            return self.value

    no_jitter = [delivery.backoff_delay(n, rng=Fixed(0.0)).total_seconds() for n in range(1, 11)]
    assert no_jitter == [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600]
    most_jitter = [delivery.backoff_delay(n, rng=Fixed(0.999)).total_seconds() for n in range(1, 9)]
    assert all(8 <= low <= high for low, high in zip(most_jitter, no_jitter, strict=False))
    assert most_jitter == sorted(most_jitter) and len(set(most_jitter)) == len(most_jitter)
