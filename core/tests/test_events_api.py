"""Where people and tools see the event types and the event log: the API, webhooks, admin."""

import pytest
from rest_framework.test import APIClient

from core import roles
from core.events import NewEvent, dispatch_due, publish_many
from core.models import Event, HandlerRun

pytestmark = pytest.mark.django_db


def test_event_types_lists_every_registered_type_with_version_and_fields(client_for, viewer):
    response = client_for(viewer).get("/api/v1/event-types/")
    assert response.status_code == 200
    by_name = {item["name"]: item for item in response.json()}
    breached = by_name["incident.sla_breached"]
    assert breached["version"] == 1 and breached["description"]
    assert [field["name"] for field in breached["fields"]] == ["incident", "target", "threshold"]
    incident = breached["fields"][0]
    assert incident["type"] == "object" and {"name", "type", "description", "nullable"} <= set(
        incident["fields"][0]
    )
    assert {
        field["name"]: field["nullable"]
        for field in incident["fields"]
        if field["name"] in ("assignee", "number")
    } == {"assignee": True, "number": False}
    assert list(by_name) == sorted(by_name)


def test_event_types_need_a_login(db):
    assert APIClient().get("/api/v1/event-types/").status_code == 401


def test_event_types_are_in_the_schema(client_for, agent):
    schema = client_for(agent).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/event-types/"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["items"]["$ref"] == (
        "#/components/schemas/EventType"
    )


@pytest.mark.parametrize("event_types", [["incident.breached"], ["incident.*"], ["incident.created", "nope"]])
def test_a_webhook_subscription_for_an_unknown_type_is_a_400_naming_the_valid_ones(
    client_for, manager, event_types
):
    response = client_for(manager).post(
        "/api/v1/webhook-subscriptions/",
        {"name": "Bridge", "url": "https://hooks.example.com/x", "event_types": event_types},
        format="json",
    )
    assert response.status_code == 400
    message = response.json()["fields"]["event_types"][0]
    assert (
        "Unknown event type" in message
        and "incident.sla_breached" in message
        and "incident.created," in message
    )


def test_the_webhook_form_offers_the_event_types_as_checkboxes(admin_client):
    page = admin_client.get("/admin/notifications/webhooksubscription/add/").content.decode()
    assert 'type="checkbox" name="event_types" value="incident.sla_breached"' in page
    assert 'type="checkbox" name="event_types" value="*"' in page
    assert "<textarea" not in page.split('name="event_types"')[0][-300:]


@pytest.fixture
def logged_event(db, settings):
    settings.EVENTS_DISPATCH_INLINE = False
    from incidents.events import SLA_BREACHED

    payload = {"incident": {}, "target": "response", "threshold": "breach"}
    [event] = publish_many([NewEvent(SLA_BREACHED.name, payload, key="admin:1")])
    dispatch_due()
    return event


def test_managers_read_the_event_log_and_each_handlers_outcome(client, manager, logged_event):
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    log = client.get("/admin/core/event/?type=incident.sla_breached&handler_runs__outcome=done")
    assert log.status_code == 200 and "admin:1" in log.content.decode()
    detail = client.get(f"/admin/core/event/{logged_event.pk}/change/").content.decode()
    assert "notifications.send_webhooks" in detail and "Done" in detail
    runs = client.get("/admin/core/handlerrun/?outcome=done")
    assert runs.status_code == 200 and "notifications.notify_people" in runs.content.decode()
    assert client.get("/admin/core/event/add/").status_code == 403
    assert client.post(f"/admin/core/event/{logged_event.pk}/delete/").status_code == 403
    assert Event.objects.count() == 1 and HandlerRun.objects.count() == 2


def test_staff_without_the_manager_role_cannot_read_the_event_log(client, make_user, logged_event):
    client.force_login(make_user(roles.AGENT, is_staff=True))
    assert client.get("/admin/core/event/").status_code == 403
    assert client.get("/admin/core/handlerrun/").status_code == 403


def test_the_readme_lists_the_event_types_of_the_registry():
    from django.conf import settings

    from core.management.commands.event_types import event_types_markdown

    readme = (settings.BASE_DIR / "README.md").read_text()
    section = readme.split("<!-- event-types:start -->\n")[1].split("<!-- event-types:end -->")[0]
    assert section == event_types_markdown(), (
        "README is stale: paste `manage.py event_types` between the markers"
    )


def test_the_retry_action_runs_a_failed_handler_again(admin_client, logged_event):
    run = HandlerRun.objects.get(handler="notifications.send_webhooks")
    HandlerRun.objects.filter(pk=run.pk).update(outcome="failed", error="ValueError: bug")
    response = admin_client.post(
        "/admin/core/handlerrun/", {"action": "retry_now", "_selected_action": [run.pk]}, follow=True
    )
    assert "1 handler run(s) queued" in response.content.decode()
    run.refresh_from_db()
    assert (run.outcome, run.attempts) == ("retrying", 0)
