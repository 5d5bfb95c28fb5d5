"""Publishing domain events: in the caller's transaction, dispatched after commit."""

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from core.models import Event
from core.nudge import nudge_on_commit

from .dispatch import dispatch
from .registry import Registry, registry

logger = logging.getLogger(__name__)

KEY_MAX = 200
TITLE_MAX = 200
NUDGE_IDS_UP_TO = 50  # a bigger burst (an SLA sweep) nudges one sweep instead of listing every id


@dataclass(frozen=True)
class NewEvent:
    """An event to publish. `payload` must match the type's declared fields (undeclared extra keys
    are logged); `key` makes publishing idempotent (default: a new UUID); `audience` (users or ids),
    `title`, `body` and `url` tell the notification handlers whom to tell and how."""

    type: str
    payload: dict
    key: str = ""
    subject: models.Model | None = None
    actor: models.Model | None = None
    audience: tuple = ()
    title: str = ""
    body: str = ""
    url: str = ""
    occurred_at: datetime | None = None


def _row(new: NewEvent, *, now: datetime, using: Registry) -> Event:
    event_type = using.get(new.type)  # LookupError: a programming error, fail loudly
    if problems := event_type.problems(new.payload):
        raise ValueError(f"Payload of {new.type!r} does not match its declaration: {'; '.join(problems)}.")
    if extra := set(new.payload) - {field.name for field in event_type.fields}:
        logger.warning("events: %s carries undeclared payload fields %s", new.type, sorted(extra))
    key = new.key or f"{new.type}:{uuid.uuid4()}"
    if len(key) > KEY_MAX:
        raise ValueError(f"Event key longer than {KEY_MAX} characters: {key!r}.")
    subject = new.subject
    audience = sorted({getattr(user, "pk", user) for user in new.audience if user is not None} - {None})
    title = new.title if len(new.title) <= TITLE_MAX else new.title[: TITLE_MAX - 1] + "…"
    return Event(
        key=key,
        type=new.type,
        version=event_type.version,
        content_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
        object_id=subject.pk if subject is not None else None,
        actor=new.actor,
        payload=new.payload,
        occurred_at=new.occurred_at or now,
        audience=audience,
        title=title,
        body=new.body,
        url=new.url,
        dispatch_due_at=now,
    )


def publish_many(new_events: Iterable[NewEvent], *, using: Registry = registry) -> list[Event]:
    """Write the events in the caller's transaction (one INSERT whatever their number; a key seen
    before is a no-op) and nudge their dispatch after commit. A rolled-back transaction takes its
    events with it, so they are never delivered; a lost nudge is made good by the sweep."""
    now = timezone.now()
    rows: dict[str, Event] = {}
    for new in new_events:
        row = _row(new, now=now, using=using)
        rows.setdefault(row.key, row)
    if not rows:
        return []
    events = list(rows.values())
    with transaction.atomic(savepoint=False):
        # ON CONFLICT (key) DO UPDATE SET key = key: returns the id of new and earlier events alike,
        # and leaves an earlier event exactly as it was.
        Event.objects.bulk_create(events, update_conflicts=True, unique_fields=["key"], update_fields=["key"])
        if getattr(settings, "EVENTS_DISPATCH_INLINE", False):
            dispatch(events, now=now, using=using)
            return events
    ids = [event.pk for event in events]
    if len(ids) > NUDGE_IDS_UP_TO:
        from core.tasks import sweep_events

        nudge_on_commit(sweep_events)
    else:
        from core.tasks import dispatch_events

        nudge_on_commit(dispatch_events, ids)
    return events


def publish(*, type: str, payload: dict, **fields) -> Event:
    """Publish one event (see NewEvent for the fields)."""
    return publish_many([NewEvent(type=type, payload=payload, **fields)])[0]
