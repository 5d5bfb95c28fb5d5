"""The incident process's events: every type it publishes is declared, payloads match the
declarations, and the notification handlers turn them into the same notifications and webhook
bodies as before the event bus."""

import json
import re
from pathlib import Path

import pytest
from django.db import transaction

from core import roles
from core.events import dispatch_due, registry
from core.models import Event
from incidents import events, services
from incidents.announce import Announcement, announce_many
from incidents.tests.factories import PATH_TO
from notifications.models import Notification, OutboxMessage
from notifications.tests.factories import WebhookSubscriptionFactory

pytestmark = pytest.mark.django_db

INCIDENTS = Path(events.__file__).parent


def test_every_incident_event_name_in_the_code_is_registered():
    used = set()
    for path in INCIDENTS.glob("*.py"):
        used |= set(re.findall(r"\"(incident\.[a-z_]+)\"", path.read_text()))
    assert used, "no event names found"
    assert used <= set(registry.names())
    assert {event_type.name for event_type in events.EVENT_TYPES} == used
    assert set(services.TRANSITION_EVENTS.values()) == {t.name for t in events.TRANSITIONS.values()}


def exact_problems(event: Event) -> list[str]:
    declared = registry.get(event.type)
    extra = set(event.payload) - {field.name for field in declared.fields}
    nested = next(field for field in declared.fields if field.name == "incident")
    problems = declared.problems(event.payload) + [f"undeclared {sorted(extra)}"] * bool(extra)
    problems += [
        p for field in nested.fields if (p := field.problem(event.payload["incident"].get(field.name)))
    ]
    if set(event.payload["incident"]) != {field.name for field in nested.fields}:
        problems.append(f"incident keys {sorted(event.payload['incident'])}")
    return problems


def test_payloads_match_their_declarations(make_user, service):
    agent = make_user(roles.AGENT, username="alice")
    other = make_user(roles.AGENT, username="bob")
    incident = services.incident_create(actor=agent, title="Disk full", service=service, assignee=other)
    for action, params in PATH_TO["closed"]:
        incident = services.incident_transition(incident=incident, actor=agent, action=action, **params)
    announce_many(
        [
            Announcement(incident, "incident.escalated", "k:esc", "t", data={"level": 1}),
            Announcement(incident, "incident.sla_warning", "k:warn", data={"target": "response", "threshold": "warning_50"}),
            Announcement(incident, "incident.sla_breached", "k:br", data={"target": "resolution", "threshold": "breach"}),
        ]
    )  # fmt: skip
    published = list(Event.objects.order_by("id"))
    assert [event.type for event in published] == [
        "incident.created",
        "incident.assigned",
        "incident.acknowledged",
        "incident.resolved",
        "incident.closed",
        "incident.escalated",
        "incident.sla_warning",
        "incident.sla_breached",
    ]
    assert {event.key: exact_problems(event) for event in published} == {event.key: [] for event in published}
    assert all(event.subject == incident and event.version == 1 for event in published)


@pytest.mark.django_db(transaction=True)
def test_after_commit_the_handlers_notify_and_queue_the_same_webhook_body_as_before(
    settings, make_user, service
):
    settings.EVENTS_DISPATCH_INLINE = False
    agent = make_user(roles.AGENT, username="alice")
    bob = make_user(roles.AGENT, username="bob")
    WebhookSubscriptionFactory(event_types=["incident.assigned"])
    with transaction.atomic():
        incident = services.incident_create(actor=agent, title="Disk full", service=service, assignee=bob)
    assert not Notification.objects.exists() and not OutboxMessage.objects.exists()  # not dispatched yet
    dispatch_due()
    dispatch_due()  # twice: nothing more
    key = f"incident:{incident.pk}:v{incident.version}:assigned"
    assert list(
        Notification.objects.values_list("recipient__username", "event_type", "event_key", "url")
    ) == [("bob", "incident.assigned", key, f"/incidents/{incident.pk}/")]
    emails = OutboxMessage.objects.filter(channel="email")
    assert [m.payload["subject"] for m in emails] == [f"[OpsDesk] {incident.number} assigned to you"]
    webhook = OutboxMessage.objects.get(channel="webhook")
    event = Event.objects.get(key=key)
    assert json.loads(webhook.payload["body"]) == {
        "id": key,
        "type": "incident.assigned",
        "created_at": event.occurred_at.isoformat(),
        "data": {
            "incident": {
                "id": incident.pk,
                "number": incident.number,
                "title": "Disk full",
                "status": "new",
                "priority": incident.priority,
                "service": service.slug,
                "assignee": "bob",
                "assignment_group": None,
            }
        },
    }
    assert (webhook.payload["event_type"], webhook.payload["event_id"]) == ("incident.assigned", key)


def test_announcing_the_same_event_again_notifies_nobody_twice(make_user, service):
    agent = make_user(roles.AGENT, username="alice")
    bob = make_user(roles.AGENT, username="bob")
    incident = services.incident_create(actor=agent, title="Disk full", service=service)
    WebhookSubscriptionFactory(event_types=["*"])
    for _ in range(2):
        announce_many(
            [
                Announcement(
                    incident, "incident.escalated", "esc:1", "Escalated", recipients=(bob,), data={"level": 1}
                )
            ]
        )
    assert Notification.objects.filter(event_key="esc:1").count() == 1
    assert OutboxMessage.objects.filter(dedupe_key__startswith="email:esc:1").count() == 1
    assert OutboxMessage.objects.filter(dedupe_key__startswith="webhook:esc:1").count() == 1
