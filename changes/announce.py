"""What the change process tells people and tools: one domain event per announcement, published in the
caller's transaction (core.events); the notification handlers deliver it after commit."""

from django.urls import reverse

from core.events import NewEvent, publish_many

from .models import Change


def change_payload(change: Change) -> dict:
    return {
        "id": change.pk,
        "number": change.number,
        "title": change.title,
        "type": change.type,
        "status": change.status,
        "risk_level": change.risk_level,
        "planned_start": change.planned_start.isoformat() if change.planned_start else None,
        "planned_end": change.planned_end.isoformat() if change.planned_end else None,
        "requester": change.requester.get_username(),
        "implementer": change.implementer.get_username() if change.implementer_id else None,
    }


def change_event(
    change: Change,
    *,
    event_type: str,
    event_key: str,
    title: str = "",
    body: str = "",
    recipients=(),
    data: dict | None = None,
    actor=None,
) -> NewEvent:
    return NewEvent(
        type=event_type,
        key=event_key,
        payload={"change": change_payload(change), **(data or {})},
        subject=change,
        actor=actor,
        audience=tuple(recipients),
        title=title,
        body=body,
        url=reverse("changes:detail", args=[change.pk]),
    )


def announce(change: Change, **kwargs) -> None:
    """Publish one event about `change` (see change_event for the keywords)."""
    publish_many([change_event(change, **kwargs)])
