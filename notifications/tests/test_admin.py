"""Admin: the outbox and its delivery log read-only, retry through the service, subscriptions validated."""

import pytest

from core import roles
from notifications.models import DeliveryAttempt, OutboxMessage, WebhookSubscription

from .factories import EmailMessageFactory

pytestmark = pytest.mark.django_db


def test_outbox_list_and_detail_show_the_delivery_log(admin_client):
    message = EmailMessageFactory(status="dead", attempts=2, last_error="HTTP 500")
    DeliveryAttempt.objects.create(message=message, attempt=1, status_code=500, error="HTTP 500 boom")
    assert admin_client.get("/admin/notifications/outboxmessage/?status__exact=dead").status_code == 200
    detail = admin_client.get(f"/admin/notifications/outboxmessage/{message.pk}/change/")
    html = detail.content.decode()
    assert detail.status_code == 200 and "HTTP 500 boom" in html and message.payload["to"] in html
    assert admin_client.get("/admin/notifications/outboxmessage/add/").status_code == 403


def test_retry_now_action_revives_a_dead_message(admin_client):
    message = EmailMessageFactory(status="dead", attempts=8)
    response = admin_client.post(
        "/admin/notifications/outboxmessage/",
        {"action": "retry_now", "_selected_action": [message.pk]},
        follow=True,
    )
    assert response.status_code == 200 and "1 message(s) queued" in response.content.decode()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 0)


def test_subscription_admin_validates_through_the_service_and_shows_the_secret_once(admin_client):
    bad = admin_client.post(
        "/admin/notifications/webhooksubscription/add/",
        {"name": "x", "url": "ftp://nope", "event_types": ["*"], "active": "on", "secret": ""},
    )
    assert bad.status_code == 200 and "Enter a valid http:// or https:// URL." in bad.content.decode()
    good = admin_client.post(
        "/admin/notifications/webhooksubscription/add/",
        {"name": "Bridge", "url": "https://hooks.example.com/x", "event_types": ["*"], "active": "on"},
        follow=True,
    )
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret in good.content.decode()
    assert subscription.created_by.is_superuser


def test_staff_without_the_manager_role_cannot_manage_subscriptions(client, make_user):
    staff_agent = make_user(roles.AGENT, is_staff=True)
    client.force_login(staff_agent)
    assert client.get("/admin/notifications/webhooksubscription/").status_code == 403
    assert not OutboxMessage.objects.exists()
