"""Services: notifications and outbox messages are written with their cause, once per event."""

import base64
import json

import pytest
from django.db import transaction

from core import roles
from core.errors import InvalidInput, NotPermitted
from notifications import services
from notifications.models import Notification, OutboxMessage, WebhookSubscription

pytestmark = pytest.mark.django_db

EVENT = {"event_type": "incident.breached", "event_key": "incident:7:breach:response"}


def notify(**kwargs):
    return services.notify(**{**EVENT, "title": "INC-000007 breached its response SLA", **kwargs})


def test_notify_writes_one_notification_and_one_email_per_user_and_nudges_after_commit(
    make_user, django_capture_on_commit_callbacks
):
    alice, bob = make_user(roles.AGENT, username="alice"), make_user(roles.MANAGER, username="bob")
    with django_capture_on_commit_callbacks() as nudges:
        created = notify(recipients=[alice, bob, alice], body="Respond now.", url="/incidents/7/")
    assert [n.recipient for n in created] == [alice, bob]
    assert {(n.title, n.url, n.read_at) for n in created} == {
        ("INC-000007 breached its response SLA", "/incidents/7/", None)
    }
    emails = OutboxMessage.objects.order_by("dedupe_key")
    assert [(m.channel, m.status, m.dedupe_key, m.payload["to"]) for m in emails] == [
        ("email", "pending", f"email:incident:7:breach:response:{alice.pk}", "alice@example.com"),
        ("email", "pending", f"email:incident:7:breach:response:{bob.pk}", "bob@example.com"),
    ]
    assert emails[0].payload["subject"] == "[OpsDesk] INC-000007 breached its response SLA"
    assert emails[0].payload["body"] == "Respond now.\n\nhttp://127.0.0.1:8000/incidents/7/"
    assert len(nudges) == 2


def test_notify_twice_is_a_no_op(make_user, django_capture_on_commit_callbacks):
    alice = make_user(roles.AGENT)
    notify(recipients=[alice])
    with django_capture_on_commit_callbacks() as nudges:
        again = notify(recipients=[alice], title="A different title this time")
    assert len(again) == 1 and again[0].title == "INC-000007 breached its response SLA"
    assert Notification.objects.count() == 1
    assert OutboxMessage.objects.count() == 1
    assert nudges == []  # nothing new to deliver


def test_a_new_recipient_of_the_same_event_gets_only_their_own(make_user, django_capture_on_commit_callbacks):
    alice, bob = make_user(roles.AGENT), make_user(roles.AGENT)
    notify(recipients=[alice])
    with django_capture_on_commit_callbacks() as nudges:
        notify(recipients=[alice, bob])
    assert Notification.objects.count() == 2 and OutboxMessage.objects.count() == 2
    assert len(nudges) == 1


def test_inactive_users_are_skipped_and_users_without_email_get_in_app_only(make_user):
    active = make_user(roles.AGENT)
    gone = make_user(roles.AGENT, is_active=False)
    no_email = make_user(roles.AGENT, email="")
    created = notify(recipients=[active, gone, no_email, None])
    assert {n.recipient for n in created} == {active, no_email}
    assert [m.payload["to"] for m in OutboxMessage.objects.all()] == [active.email]


def test_email_false_writes_in_app_only(make_user):
    notify(recipients=[make_user(roles.AGENT)], email=False)
    assert Notification.objects.count() == 1 and not OutboxMessage.objects.exists()


def test_no_recipients_is_fine(db):
    assert notify(recipients=[]) == []


def test_a_long_title_is_shortened_not_refused(make_user):
    [created] = notify(recipients=[make_user(roles.AGENT)], title="x" * 500)
    assert len(created.title) == 200 and created.title.endswith("…")


@pytest.mark.parametrize(
    ("event_type", "event_key"),
    [("", "k"), ("Has Spaces", "k"), ("incident.breached", ""), ("ok", "k" * 201)],
)
def test_bad_event_names_are_programming_errors(make_user, event_type, event_key):
    with pytest.raises(ValueError):
        services.notify(recipients=[], event_type=event_type, event_key=event_key, title="t")


def test_a_rolled_back_transaction_leaves_nothing(
    make_user, django_capture_on_commit_callbacks, subscription_factory
):
    alice = make_user(roles.AGENT)
    subscription_factory(event_types=["*"])
    with (
        django_capture_on_commit_callbacks() as nudges,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(recipients=[alice])
        services.publish_webhook_event(**EVENT, payload={"incident": 7})
        assert OutboxMessage.objects.count() == 2
        raise RuntimeError("the cause failed")
    assert not Notification.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert nudges == []


def test_publish_webhook_event_targets_matching_active_subscriptions(
    subscription_factory, django_capture_on_commit_callbacks
):
    everything = subscription_factory(event_types=["*"])
    breaches = subscription_factory(event_types=["incident.breached", "incident.resolved"])
    subscription_factory(event_types=["change.approved"])
    subscription_factory(event_types=["*"], active=False)
    with django_capture_on_commit_callbacks() as nudges:
        messages = services.publish_webhook_event(
            **EVENT, payload={"incident": {"id": 7, "number": "INC-000007"}}
        )
    assert {m.subscription for m in messages} == {everything, breaches}
    assert len(nudges) == 2
    bodies = {m.payload["body"] for m in messages}
    assert len(bodies) == 1  # one serialization, the same bytes for every subscriber and retry
    body = json.loads(bodies.pop())
    assert body["id"] == "incident:7:breach:response" and body["type"] == "incident.breached"
    assert body["data"] == {"incident": {"id": 7, "number": "INC-000007"}}
    assert body["created_at"].startswith(str(messages[0].created_at.date()))
    assert {(m.payload["event_type"], m.payload["event_id"]) for m in messages} == {
        ("incident.breached", "incident:7:breach:response")
    }
    again = services.publish_webhook_event(**EVENT, payload={"different": True})
    assert [m.pk for m in again] == [m.pk for m in messages]
    assert OutboxMessage.objects.count() == 2


def test_mark_read_touches_only_the_users_own(make_user, notification_factory):
    alice, bob = make_user(roles.AGENT), make_user(roles.AGENT)
    a1, a2, a3 = (notification_factory(recipient=alice) for _ in range(3))
    b1 = notification_factory(recipient=bob)
    assert services.notification_mark_read(user=alice, ids=[a1.pk, b1.pk]) == 1
    assert services.notification_mark_read(user=alice, ids=[a1.pk]) == 0  # already read
    assert services.notification_mark_read(user=alice) == 2
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()
    b1.refresh_from_db()
    assert b1.read_at is None


def test_subscription_create_generates_a_secret_and_validates(manager):
    subscription = services.webhook_subscription_create(
        actor=manager,
        name=" Ops bridge ",
        url="https://hooks.example.com/opsdesk",
        event_types=["incident.sla_breached"],
    )
    assert subscription.name == "Ops bridge" and len(subscription.secret) >= 32
    assert subscription.created_by == manager
    with pytest.raises(InvalidInput) as caught:
        services.webhook_subscription_create(
            actor=manager, name="", url="ftp://example.com/x", event_types=["Bad Type"], secret="short"
        )
    assert set(caught.value.fields) == {"name", "url", "event_types", "secret"}
    assert caught.value.fields["url"] == ["Enter a valid http:// or https:// URL."]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "example.com/hook", "http://"])
def test_subscription_urls_must_be_http_or_https(manager, url):
    with pytest.raises(InvalidInput) as caught:
        services.webhook_subscription_create(actor=manager, name="x", url=url, event_types=["*"])
    assert "url" in caught.value.fields


def test_subscription_update_and_delete(manager):
    subscription = services.webhook_subscription_create(
        actor=manager, name="a", url="https://hooks.example.com/x", event_types=["incident.created", "*"]
    )
    assert subscription.event_types == ["*"]
    old_secret = subscription.secret
    updated = services.webhook_subscription_update(
        subscription=subscription, actor=manager, active=False, secret="a-new-secret-of-sufficient-length"
    )
    # A secret given in a non-standard form is kept as the key's bytes, stored as whsec_<base64>.
    assert (updated.active, updated.name) == (False, "a")
    assert updated.secret == "whsec_" + base64.b64encode(b"a-new-secret-of-sufficient-length").decode()
    assert updated.secret != old_secret
    services.webhook_subscription_delete(subscription=updated, actor=manager)
    assert not WebhookSubscription.objects.exists()


def test_only_managers_and_superusers_manage_subscriptions(agent, make_user):
    with pytest.raises(NotPermitted):
        services.webhook_subscription_create(
            actor=agent, name="x", url="http://a.example/", event_types=["*"]
        )
    superuser = make_user(is_superuser=True, is_staff=True)
    assert services.webhook_subscription_create(
        actor=superuser, name="x", url="http://a.example/", event_types=["*"]
    ).pk
