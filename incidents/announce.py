"""What the incident process tells people and tools: in-app + email notifications and webhook
events, written through the notifications outbox inside the caller's transaction."""

from django.urls import reverse

from notifications.services import notify, publish_webhook_event

from .models import Incident


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
    if recipients:
        notify(
            recipients=recipients,
            event_type=event_type,
            event_key=event_key,
            title=title,
            body=body,
            url=reverse("incidents:detail", args=[incident.pk]),
        )
    publish_webhook_event(
        event_type=event_type,
        event_key=event_key,
        payload={"incident": incident_payload(incident), **(data or {})},
    )
