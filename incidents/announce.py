"""What the incident process tells people and tools: in-app + email notifications and webhook
events, written through the notifications outbox inside the caller's transaction."""

from dataclasses import dataclass, field

from django.urls import reverse

from notifications.services import Notice, WebhookEvent, notify_many, publish_webhook_events

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
) -> None:
    """Notify `recipients` (once per event_key and person) and publish the webhook event."""
    announce_many([Announcement(incident, event_type, event_key, title, body, tuple(recipients), data or {})])


def announce_many(announcements: list[Announcement]) -> None:
    """`announce` for many events in a constant number of queries."""
    notify_many(
        Notice(
            recipients=a.recipients,
            event_type=a.event_type,
            event_key=a.event_key,
            title=a.title,
            body=a.body,
            url=reverse("incidents:detail", args=[a.incident.pk]),
        )
        for a in announcements
        if a.recipients
    )
    publish_webhook_events(
        WebhookEvent(a.event_type, a.event_key, {"incident": incident_payload(a.incident), **a.data})
        for a in announcements
    )
