"""Every write of the notifications app, whoever asks (other apps' services, API, browser, admin).

`notify` and `publish_webhook_event` are meant to be called inside the caller's transaction: the
notification rows and outbox messages commit or roll back with the change that caused them, and a
delivery task is nudged only after commit. Writing the same event twice is a no-op (dedupe keys)."""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from core.audit import audit_actor
from core.config import config_record_save
from core.events import ALL, registry
from core.nudge import nudge_on_commit
from core.permissions import require
from core.profiles import zones_of
from core.validation import FieldErrors

from . import destinations, signing
from .emails import email_text
from .models import Notification, OutboxMessage, WebhookSubscription
from .permissions import MANAGE_WEBHOOKS
from .tasks import deliver_outbox_message, sweep_outbox

TITLE_MAX = 200
EVENT_KEY_MAX = 200
EVENT_TYPE_RE = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,99}$")
SECRET_MIN, SECRET_MAX = 16, 200
_url_validator = URLValidator(schemes=["http", "https"])


def _check_event(event_type: str, event_key: str) -> None:
    """Programming errors in the caller, not user input: fail loudly."""
    if not EVENT_TYPE_RE.match(event_type or ""):
        raise ValueError(f"Bad event_type {event_type!r}: lower-case letters, digits and _.:- only.")
    if not event_key or len(event_key) > EVENT_KEY_MAX:
        raise ValueError(f"event_key must be 1..{EVENT_KEY_MAX} characters, got {event_key!r}.")


NUDGE_EACH_UP_TO = 20  # more new messages than this at once: nudge one outbox sweep instead


def _enqueue(messages: list[OutboxMessage]) -> list[OutboxMessage]:
    """Insert the messages whose dedupe key is new and nudge their delivery after commit; return all
    of them (new and earlier ones)."""
    if not messages:
        return []
    keys = [message.dedupe_key for message in messages]
    existing = set(OutboxMessage.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    new_keys = {key for key in keys if key not in existing}
    if new_keys:
        # ignore_conflicts: a concurrent transaction inserting the same key makes ours a no-op.
        OutboxMessage.objects.bulk_create(
            [message for message in messages if message.dedupe_key in new_keys],
            ignore_conflicts=True,
            batch_size=1000,
        )
    stored = list(OutboxMessage.objects.filter(dedupe_key__in=keys).order_by("id"))
    fresh = [message.pk for message in stored if message.dedupe_key in new_keys]
    if len(fresh) > NUDGE_EACH_UP_TO:
        nudge_on_commit(sweep_outbox)  # a burst (e.g. an SLA sweep): one sweep delivers them all
    else:
        for pk in fresh:
            nudge_on_commit(deliver_outbox_message, pk)
    return stored


def _emailed(notices: list["Notice"]) -> list[AbstractBaseUser]:
    """The recipients who may get an e-mail, once each."""
    users = {user.pk: user for n in notices for user in n.recipients if user is not None and user.pk}
    return [user for user in users.values() if getattr(user, "email", "")]


@dataclass(frozen=True)
class Notice:
    """One event to tell people about (see notify_many)."""

    recipients: tuple[AbstractBaseUser, ...]
    event_type: str
    event_key: str
    title: str
    body: str = ""
    url: str = ""


@dataclass(frozen=True)
class WebhookEvent:
    """One event for the webhook subscriptions (see publish_webhook_events)."""

    event_type: str
    event_key: str
    payload: dict
    created_at: datetime | None = None  # when it happened; default now


def notify(
    *,
    recipients: Iterable[AbstractBaseUser],
    event_type: str,
    event_key: str,
    title: str,
    body: str = "",
    url: str = "",
    email: bool = True,
) -> list[Notification]:
    """Notify users in-app (the bell) and by email, once per (event_key, user).

    Recipients are de-duplicated; inactive users are skipped; users without an email address get
    the in-app notification only. Returns the in-app notifications of this event for these users
    (including ones an earlier call created)."""
    notice = Notice(tuple(recipients), event_type, event_key, title, body, url)
    users = notify_many([notice], email=email)
    return list(
        Notification.objects.filter(event_key=event_key, recipient_id__in=users).order_by("recipient_id")
    )


def notify_many(notices: Iterable[Notice], *, email: bool = True) -> set[int]:
    """`notify` for many events at once, in a constant number of queries (the SLA sweep fires
    hundreds of thresholds per batch). Returns the ids of the users notified."""
    now = timezone.now()
    notices = list(notices)
    zones = zones_of(_emailed(notices)) if email else {}  # each e-mail in its recipient's time zone
    notifications, messages, notified = [], [], set()
    for notice in notices:
        _check_event(notice.event_type, notice.event_key)
        users: dict[int, AbstractBaseUser] = {}
        for user in notice.recipients:
            if user is not None and user.pk is not None and user.is_active:
                users.setdefault(user.pk, user)
        notified.update(users)
        title = notice.title if len(notice.title) <= TITLE_MAX else notice.title[: TITLE_MAX - 1] + "…"
        fields = dict(event_type=notice.event_type, event_key=notice.event_key, created_at=now)
        notifications += [
            Notification(recipient_id=pk, title=title, body=notice.body, url=notice.url, **fields)
            for pk in users
        ]
        if email:
            messages += [
                OutboxMessage(
                    channel=OutboxMessage.Channel.EMAIL,
                    dedupe_key=f"email:{notice.event_key}:{pk}",
                    payload={
                        "to": user.email,
                        **email_text(title=title, body=notice.body, url=notice.url, zone=zones[pk]),
                        "user_id": pk,
                        "event_type": notice.event_type,
                        "event_key": notice.event_key,
                    },
                    created_at=now,
                    next_attempt_at=now,
                )
                for pk, user in users.items()
                if getattr(user, "email", "")
            ]
    with transaction.atomic(savepoint=False):  # all or nothing with the caller's change
        Notification.objects.bulk_create(notifications, ignore_conflicts=True, batch_size=1000)
        _enqueue(messages)
    return notified


def publish_webhook_event(*, event_type: str, event_key: str, payload: dict) -> list[OutboxMessage]:
    """Queue one webhook per active subscription that wants `event_type` (or "*").

    The body `{"id", "type", "created_at", "data"}` is serialized now, so every retry sends the
    same bytes. `payload` must be JSON-serializable (datetimes, decimals and UUIDs are fine)."""
    return publish_webhook_events([WebhookEvent(event_type, event_key, payload)])


def publish_webhook_events(events: Iterable[WebhookEvent]) -> list[OutboxMessage]:
    """`publish_webhook_event` for many events at once, in a constant number of queries."""
    events = list(events)
    for event in events:
        _check_event(event.event_type, event.event_key)
    now = timezone.now()
    with transaction.atomic(savepoint=False):  # all or nothing with the caller's change
        # Filtered in Python: subscriptions are few, and `wants` also understands "*".
        subscriptions = list(WebhookSubscription.objects.filter(active=True))
        messages = []
        for event in events:
            wanted_by = [
                subscription for subscription in subscriptions if subscription.wants(event.event_type)
            ]
            if not wanted_by:
                continue
            body = json.dumps(
                {
                    "id": event.event_key,
                    "type": event.event_type,
                    "created_at": (event.created_at or now).isoformat(),
                    "data": event.payload,
                },
                cls=DjangoJSONEncoder,
                separators=(",", ":"),
                sort_keys=True,
            )
            messages += [
                OutboxMessage(
                    channel=OutboxMessage.Channel.WEBHOOK,
                    dedupe_key=f"webhook:{event.event_key}:{subscription.pk}",
                    subscription=subscription,
                    payload={
                        "subscription_id": subscription.pk,
                        "event_type": event.event_type,
                        "event_id": event.event_key,
                        "body": body,
                    },
                    created_at=now,
                    next_attempt_at=now,
                )
                for subscription in wanted_by
            ]
        return _enqueue(messages)


def notification_mark_read(*, user: AbstractBaseUser, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own unread notifications read (all when `ids` is None); returns how many."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    with transaction.atomic():
        return unread.update(read_at=timezone.now())


# --- webhook subscriptions --------------------------------------------------------------------


def webhook_subscription_clean(
    *, name: str | None, url: str | None, event_types: list | None, secret: str | None
) -> dict:
    """Validate the given fields (None = not given); InvalidInput with field messages otherwise."""
    errors = FieldErrors()
    cleaned: dict = {}
    if name is not None:
        cleaned["name"] = errors.required_text("name", name, what="A name", max_length=100)
    if url is not None:
        cleaned["url"] = url.strip()
        try:
            _url_validator(cleaned["url"])
        except ValidationError:
            errors.add("url", "Enter a valid http:// or https:// URL.")
        else:
            if len(cleaned["url"]) > 500:
                errors.add("url", "At most 500 characters.")
            elif refusal := destinations.url_refusal(cleaned["url"]):  # SSRF guard, again at each send
                errors.add("url", refusal)
    if event_types is not None:
        if not isinstance(event_types, list | tuple) or not event_types:
            errors.add("event_types", 'List at least one event type, or ["*"] for all.')
        elif bad := [
            t for t in event_types if not isinstance(t, str) or not (t == ALL or t in registry.names())
        ]:
            errors.add(
                "event_types",
                f"Unknown event type: {', '.join(map(repr, bad))}. "
                f'Valid: {", ".join(registry.names())}, or "*" for all (GET /api/v1/event-types/).',
            )
        else:
            cleaned["event_types"] = ["*"] if "*" in event_types else sorted(set(event_types))
    if secret is not None:
        if not SECRET_MIN <= len(secret) <= SECRET_MAX:
            errors.add("secret", f"Between {SECRET_MIN} and {SECRET_MAX} characters (or omit it to get one).")
        elif problem := signing.secret_problem(secret):
            errors.add("secret", problem)
        cleaned["secret"] = signing.standard_secret(secret)  # whsec_<base64>, see signing
    errors.raise_if_any()
    return cleaned


def webhook_subscription_create(
    *,
    actor: AbstractBaseUser,
    name: str,
    url: str,
    event_types: list[str],
    secret: str | None = None,
    active: bool = True,
) -> WebhookSubscription:
    """Create a subscription; without a secret one is generated (read it once from the result)."""
    require(actor, MANAGE_WEBHOOKS)
    cleaned = webhook_subscription_clean(name=name, url=url, event_types=event_types, secret=secret or None)
    cleaned.setdefault("secret", signing.new_secret())
    with transaction.atomic(), audit_actor(actor):
        return WebhookSubscription.objects.create(**cleaned, active=active, created_by=actor)


def webhook_subscription_update(
    *,
    subscription: WebhookSubscription,
    actor: AbstractBaseUser,
    name: str | None = None,
    url: str | None = None,
    event_types: list[str] | None = None,
    secret: str | None = None,
    active: bool | None = None,
) -> WebhookSubscription:
    """Change the given fields (None = unchanged); a new secret rotates the signing key."""
    require(actor, MANAGE_WEBHOOKS)
    cleaned = webhook_subscription_clean(name=name, url=url, event_types=event_types, secret=secret or None)
    if active is not None:
        cleaned["active"] = bool(active)
    return config_record_save(subscription, actor=actor, cleaned=cleaned)


def webhook_subscription_delete(*, subscription: WebhookSubscription, actor: AbstractBaseUser) -> None:
    """Delete a subscription; its pending messages go dead at their next attempt (log kept)."""
    require(actor, MANAGE_WEBHOOKS)
    with transaction.atomic(), audit_actor(actor):
        WebhookSubscription.objects.filter(pk=subscription.pk).delete()


# --- outbox -----------------------------------------------------------------------------------


def outbox_message_retry(*, actor: AbstractBaseUser, message_ids: Iterable[int]) -> int:
    """Make pending or dead messages due now (dead ones get a fresh set of attempts) and nudge them.

    Sent messages are left alone: re-sending is not a retry."""
    require(actor, MANAGE_WEBHOOKS)
    now = timezone.now()
    with transaction.atomic():
        messages = list(
            OutboxMessage.objects.select_for_update()
            .filter(pk__in=list(message_ids))
            .exclude(status=OutboxMessage.Status.SENT)
            .order_by("id")
        )
        for message in messages:
            if message.status == OutboxMessage.Status.DEAD:
                message.attempts = 0
            message.status = OutboxMessage.Status.PENDING
            message.next_attempt_at = now
            message.save(update_fields=["status", "attempts", "next_attempt_at"])
            nudge_on_commit(deliver_outbox_message, message.pk)
    return len(messages)
