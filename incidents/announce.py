"""What the incident process tells people and tools: one domain event per announcement, published
in the caller's transaction (core.events). After commit the notification handlers turn it into
in-app notifications and emails for the recipients and webhook messages for the subscriptions."""

from dataclasses import dataclass, field

from django.urls import reverse

from core.events import NewEvent, publish_many

from .models import Incident


@dataclass(frozen=True)
class Announcement:
    incident: Incident
    event_type: str
    event_key: str
    title: str = ""
    body: str = ""
    recipients: tuple = ()
    data: dict = field(default_factory=dict)
    actor: object = None


def incident_payload(incident: Incident) -> dict:
    return {
        "id": incident.pk,
        "number": incident.number,
        "title": incident.title,
        "status": incident.status,
        "priority": incident.priority,
        "service": incident.service.slug,
        "assignee": incident.assignee.get_username() if incident.assignee_id else None,
        "assignment_group": incident.assignment_group.name if incident.assignment_group_id else None,
    }


def announce(
    *,
    incident: Incident,
    event_type: str,
    event_key: str,
    title: str,
    body: str = "",
    recipients=(),
    data=None,
    actor=None,
) -> None:
    """Publish the event; `recipients` are notified once per event_key and person."""
    announce_many(
        [Announcement(incident, event_type, event_key, title, body, tuple(recipients), data or {}, actor)]
    )


def announce_many(announcements: list[Announcement]) -> None:
    """`announce` for many events in a constant number of queries."""
    publish_many(
        NewEvent(
            type=a.event_type,
            key=a.event_key,
            payload={"incident": incident_payload(a.incident), **a.data},
            subject=a.incident,
            actor=a.actor,
            audience=a.recipients,
            title=a.title,
            body=a.body,
            url=reverse("incidents:detail", args=[a.incident.pk]),
        )
        for a in announcements
    )
