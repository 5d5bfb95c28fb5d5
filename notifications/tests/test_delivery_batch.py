"""Delivery in batches: one mail connection per batch, a constant number of queries per batch,
failures recorded per message, and a batch that runs long hands its untried messages back."""

from smtplib import SMTPException, SMTPRecipientsRefused, SMTPServerDisconnected

import pytest
from django.core import mail
from django.utils import timezone

from notifications import delivery, services
from notifications.models import DeliveryAttempt, OutboxMessage

from .factories import EmailMessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def loopback_receivers_allowed(settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS = "127.0.0.0/8"


def publish_webhooks(count: int) -> list[OutboxMessage]:
    return [
        message
        for n in range(count)
        for message in services.publish_webhook_event(
            event_type="incident.breached", event_key=f"incident:{n}:breach", payload={"incident": n}
        )
    ]


@pytest.mark.parametrize("count", [5, 40])
def test_a_batch_of_emails_goes_over_one_connection_each_sent_once(scripted_mail, count):
    messages = EmailMessageFactory.create_batch(count)
    assert delivery.sweep() == {"sent": count}
    assert scripted_mail.opened == 1
    assert sorted(email.to[0] for email in mail.outbox) == sorted(m.payload["to"] for m in messages)
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert sorted(DeliveryAttempt.objects.values_list("message_id", "attempt", "ok")) == [
        (m.pk, 1, True) for m in messages
    ]
    assert delivery.sweep() == {} and len(mail.outbox) == count


# Each accepted send is recorded at once, before the next send starts (so a worker killed later in
# its batch cannot make it go out again), in one statement (the attempt row and `sent`). Everything
# else a batch does costs a constant number of queries.
PER_SENT_MESSAGE = 1


@pytest.mark.parametrize("count", [5, 40])
def test_an_email_batch_costs_a_constant_plus_one_record_per_sent_message(count, django_assert_num_queries):
    EmailMessageFactory.create_batch(count)
    # claim: savepoint, select for update skip locked, update, release (4); nothing failed, so no
    # batch record after the sends
    with django_assert_num_queries(4 + PER_SENT_MESSAGE * count):
        assert delivery.sweep() == {"sent": count}


@pytest.mark.parametrize("count", [5, 40])
def test_a_failing_email_batch_costs_the_same_queries_whatever_its_size(
    count, scripted_mail, django_assert_num_queries
):
    messages = EmailMessageFactory.create_batch(count)
    scripted_mail.failures = {m.payload["to"]: SMTPException("451 try later") for m in messages}
    # claim (4); the failures recorded together: savepoint, select for update, insert the attempts,
    # update the messages, release (5)
    with django_assert_num_queries(9):
        assert delivery.sweep() == {"pending": count}


@pytest.mark.parametrize("count", [2, 8])
def test_a_webhook_batch_costs_a_constant_plus_one_record_per_sent_message(
    count, webhook_receiver, subscription_factory, django_assert_num_queries
):
    subscription_factory(url=webhook_receiver.url)
    subscription_factory(url=webhook_receiver.url)
    publish_webhooks(count)
    EmailMessageFactory.create_batch(count)
    # as for emails, plus the batch's subscriptions (1)
    with django_assert_num_queries(5 + PER_SENT_MESSAGE * 3 * count):
        assert delivery.sweep() == {"sent": 3 * count}
    assert len(webhook_receiver.requests) == 2 * count and len(mail.outbox) == count


def test_failures_in_a_batch_are_recorded_per_message(scripted_mail):
    ok, flaky, refused, after = EmailMessageFactory.create_batch(4)
    scripted_mail.failures = {
        flaky.payload["to"]: SMTPServerDisconnected("Connection unexpectedly closed"),
        refused.payload["to"]: SMTPRecipientsRefused({refused.payload["to"]: (550, b"no such user")}),
    }
    assert delivery.sweep() == {"sent": 2, "pending": 1, "dead": 1}
    assert sorted(email.to[0] for email in mail.outbox) == sorted([ok.payload["to"], after.payload["to"]])
    flaky.refresh_from_db()
    assert flaky.last_error.startswith("SMTPServerDisconnected") and flaky.next_attempt_at > timezone.now()
    refused.refresh_from_db()
    assert refused.status == "dead" and refused.last_error.startswith("Recipient refused")
    assert scripted_mail.opened == 2  # a disconnect: the next email goes over a new connection
    assert sorted(DeliveryAttempt.objects.values_list("message_id", "ok")) == [
        (ok.pk, True),
        (flaky.pk, False),
        (refused.pk, False),
        (after.pk, True),
    ]


def test_an_unreachable_mail_server_is_tried_once_per_batch_and_every_email_retried(scripted_mail):
    messages = EmailMessageFactory.create_batch(3)
    scripted_mail.refuse_open = ConnectionRefusedError(111, "Connection refused")
    assert delivery.sweep() == {"pending": 3}
    assert scripted_mail.opened == 1 and mail.outbox == []
    for message in messages:
        message.refresh_from_db()
        assert (message.attempts, message.last_error) == (1, "Connection failed: ConnectionRefusedError: "
                                                            "[Errno 111] Connection refused")  # fmt: skip
    scripted_mail.refuse_open = None
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    assert delivery.sweep() == {"sent": 3}


def test_a_batch_that_runs_long_hands_its_untried_messages_back(
    webhook_receiver, subscription_factory, settings
):
    """Nothing is started after half the claim lease, so no send outlives its claim."""
    settings.NOTIFICATIONS_CLAIM_LEASE = 1.0
    subscription_factory(url=webhook_receiver.url)
    webhook_receiver.delay = 0.6  # the first POST alone passes the 0.5 s deadline
    first, *rest = publish_webhooks(3)
    assert delivery.sweep() == {"sent": 1, "deferred": 2}
    assert len(webhook_receiver.requests) == 1
    for message in rest:
        message.refresh_from_db()
        assert (message.status, message.attempts) == ("pending", 0)  # the attempt is not counted
        assert message.next_attempt_at <= timezone.now()  # due again at once
    assert list(DeliveryAttempt.objects.values_list("message_id", flat=True)) == [first.pk]
    webhook_receiver.delay = 0
    assert delivery.sweep() == {"sent": 2}


def test_a_failure_recorded_for_a_message_sent_meanwhile_changes_nothing(scripted_mail):
    message = EmailMessageFactory()
    claimed = delivery.claim(message.pk)
    OutboxMessage.objects.filter(pk=message.pk).update(status="sent")  # e.g. another worker's late success
    failure = delivery.Outcome(ok=False, error="SMTPException: 451")
    assert delivery.record_batch([delivery.Result(claimed, failure, 5)]) == {message.pk: "sent"}
    message.refresh_from_db()
    assert (message.status, message.last_error) == ("sent", "")
    assert DeliveryAttempt.objects.get().error == "SMTPException: 451"  # the attempt is still logged


def test_a_transient_smtp_error_is_not_confused_with_a_refusal(scripted_mail):
    message = EmailMessageFactory()
    scripted_mail.failures = {message.payload["to"]: SMTPException("421 too busy")}
    assert delivery.deliver(message.pk) == "pending"
