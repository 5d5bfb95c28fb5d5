"""The notifications app as handlers of domain events (subscribed in apps.py for every type).

Each handler takes a batch of committed events and writes in a constant number of queries; the
dispatcher records that it ran in the same transaction, so each event notifies each person once
and queues each webhook once (the dedupe keys of notify_many and _enqueue guard again)."""

from django.contrib.auth import get_user_model

from core.models import Event
from core.profiles import PROFILE

from .services import Notice, WebhookEvent, notify_many, publish_webhook_events


def notify_people(events: list[Event]) -> None:
    """In-app notification and email to the event's audience."""
    wanted = [event for event in events if event.audience]
    if not wanted:
        return
    # with their profiles: e-mails say times in each recipient's zone (core/profiles.py)
    users = (
        get_user_model()
        .objects.select_related(PROFILE)
        .in_bulk({pk for event in wanted for pk in event.audience})
    )
    notify_many(
        Notice(
            recipients=tuple(users[pk] for pk in event.audience if pk in users),
            event_type=event.type,
            event_key=event.key,
            title=event.title,
            body=event.body,
            url=event.url,
        )
        for event in wanted
    )


def send_webhooks(events: list[Event]) -> None:
    """One outbox message per active subscription that wants the event's type."""
    publish_webhook_events(
        WebhookEvent(event.type, event.key, event.payload, created_at=event.occurred_at) for event in events
    )
