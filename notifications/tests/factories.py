import factory

from core.tests.factories import UserFactory
from notifications import signing
from notifications.models import Notification, OutboxMessage, WebhookSubscription


class WebhookSubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookSubscription

    name = factory.Sequence(lambda n: f"hook-{n}")
    url = "http://127.0.0.1:9/hook"
    secret = factory.Sequence(lambda n: signing.standard_secret(f"test-secret-{n:08d}"))
    event_types = factory.LazyFunction(lambda: ["*"])
    active = True


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    event_type = "incident.assigned"
    event_key = factory.Sequence(lambda n: f"incident:{n}:assigned")
    title = factory.Sequence(lambda n: f"Notification {n}")


class EmailMessageFactory(factory.django.DjangoModelFactory):
    """An email outbox row written without its on-commit nudge (as if the nudge was lost)."""

    class Meta:
        model = OutboxMessage

    channel = OutboxMessage.Channel.EMAIL
    dedupe_key = factory.Sequence(lambda n: f"email:test:{n}")
    payload = factory.Sequence(
        lambda n: {"to": f"person{n}@example.com", "subject": f"Subject {n}", "body": f"Body {n}"}
    )
