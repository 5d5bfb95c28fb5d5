"""The notifications and webhook-subscription API: own data only, managers manage webhooks."""

import base64

import pytest
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from core import roles
from notifications.models import Notification, WebhookSubscription

pytestmark = pytest.mark.django_db

NOTIFICATIONS = "/api/v1/notifications/"
MARK_READ = "/api/v1/notifications/mark-read/"
HOOKS = "/api/v1/webhook-subscriptions/"
NEW_HOOK = {
    "name": "Ops bridge",
    "url": "https://hooks.example.com/opsdesk",
    "event_types": ["incident.sla_breached"],
}


@pytest.fixture
def alice(make_user):
    return make_user(roles.AGENT, username="alice")


@pytest.fixture
def inbox(alice, make_user, notification_factory):
    """Three notifications for alice (one read), one for somebody else."""
    own = [notification_factory(recipient=alice) for _ in range(3)]
    Notification.objects.filter(pk=own[0].pk).update(read_at="2026-01-01T00:00Z")
    notification_factory(recipient=make_user(roles.AGENT))
    return own


def test_list_is_own_newest_first_and_filters_unread(client_for, alice, inbox):
    api = client_for(alice)
    body = api.get(NOTIFICATIONS).json()
    assert [n["id"] for n in body["results"]] == [n.pk for n in reversed(inbox)]
    assert set(body) == {"next", "previous", "results"}  # cursor pagination, no count
    assert body["results"][0].keys() == {
        "id", "event_type", "event_key", "title", "body", "url", "created_at", "read_at", "unread",
    }  # fmt: skip
    unread = api.get(NOTIFICATIONS, {"unread": "true"}).json()["results"]
    assert [n["id"] for n in unread] == [inbox[2].pk, inbox[1].pk] and all(n["unread"] for n in unread)
    assert [n["id"] for n in api.get(NOTIFICATIONS, {"unread": "false"}).json()["results"]] == [inbox[0].pk]


def test_list_pages_with_a_cursor(client_for, alice, notification_factory):
    for _ in range(5):
        notification_factory(recipient=alice)
    api = client_for(alice)
    first = api.get(NOTIFICATIONS, {"page_size": 2}).json()
    second = api.get(first["next"]).json()
    assert len(first["results"]) == len(second["results"]) == 2
    assert first["results"][-1]["id"] > second["results"][0]["id"]


def test_mark_read_by_ids_then_all(client_for, alice, inbox):
    api = client_for(alice)
    other = Notification.objects.exclude(recipient=alice).get()
    response = api.post(MARK_READ, {"ids": [inbox[1].pk, other.pk]}, format="json")
    assert response.status_code == 200 and response.json() == {"marked": 1, "unread_count": 1}
    assert api.post(MARK_READ, {}, format="json").json() == {"marked": 1, "unread_count": 0}
    other.refresh_from_db()
    assert other.read_at is None


@pytest.mark.parametrize(
    ("payload", "field"), [({"ids": ["x"]}, "ids"), ({"ids": [0]}, "ids"), ({"all": True}, "all")]
)
def test_mark_read_refuses_bad_input(client_for, alice, payload, field):
    response = client_for(alice).post(MARK_READ, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and {name.split(".")[0] for name in body["fields"]} == {field}


def test_notifications_need_a_login_and_a_role(make_user):
    assert APIClient().get(NOTIFICATIONS).status_code == 401
    client = APIClient()
    client.force_authenticate(make_user())  # no OpsDesk role
    assert client.get(NOTIFICATIONS).status_code == 403
    assert client.post(MARK_READ, {}, format="json").status_code == 403


@pytest.mark.parametrize(
    ("who", "list_status", "create_status"),
    [("agent", 403, 403), ("viewer", 403, 403), ("manager", 200, 201), ("superuser", 200, 201)],
)
def test_webhook_subscriptions_are_for_managers_and_superusers(
    client_for, make_user, who, list_status, create_status
):
    user = make_user(is_superuser=True) if who == "superuser" else make_user(who)
    api = client_for(user)
    assert api.get(HOOKS).status_code == list_status
    response = api.post(HOOKS, NEW_HOOK, format="json")
    assert response.status_code == create_status
    if create_status == 403:
        assert response.json()["code"] == "permission_denied"


def test_anonymous_webhook_calls_get_401(db):
    assert APIClient().get(HOOKS).status_code == 401


def test_the_secret_is_shown_once_on_create_and_never_again(client_for, manager):
    api = client_for(manager)
    created = api.post(HOOKS, NEW_HOOK, format="json").json()
    assert len(created["secret"]) >= 32
    assert created["created_by"] == {"id": manager.pk, "username": "manager"}
    assert WebhookSubscription.objects.get().secret == created["secret"]
    detail = f"{HOOKS}{created['id']}/"
    assert "secret" not in api.get(detail).json()
    assert "secret" not in api.get(HOOKS).json()["results"][0]
    # A chosen secret comes back in the Standard Webhooks form a receiver's library takes: a
    # whsec_ secret as given, any other string as the key's own bytes (whsec_ + base64).
    chosen = api.post(HOOKS, {**NEW_HOOK, "secret": "my-own-secret-0123456789"}, format="json").json()
    assert chosen["secret"] == "whsec_" + base64.b64encode(b"my-own-secret-0123456789").decode()
    standard = "whsec_" + base64.b64encode(bytes(range(32))).decode()
    assert api.post(HOOKS, {**NEW_HOOK, "secret": standard}, format="json").json()["secret"] == standard


def test_update_rotates_the_secret_without_echoing_it(client_for, manager):
    api = client_for(manager)
    created = api.post(HOOKS, NEW_HOOK, format="json").json()
    detail = f"{HOOKS}{created['id']}/"
    response = api.patch(detail, {"secret": "rotated-secret-0123456789", "active": False}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert "secret" not in body and body["active"] is False and body["name"] == "Ops bridge"
    assert (
        WebhookSubscription.objects.get().secret
        == "whsec_" + base64.b64encode(b"rotated-secret-0123456789").decode()
    )
    assert api.put(detail, NEW_HOOK, format="json").status_code == 405
    assert api.delete(detail).status_code == 204
    assert api.get(detail).status_code == 404


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"url": "ftp://files.example.com/drop"}, "url", "Enter a valid http:// or https:// URL."),
        ({"url": "not a url"}, "url", "Enter a valid http:// or https:// URL."),
        ({"event_types": []}, "event_types", None),
        ({"event_types": ["Incident Breached"]}, "event_types", None),
        ({"secret": "short"}, "secret", None),
        ({"colour": "red"}, "colour", None),
    ],
)
def test_bad_subscription_input_is_a_400_with_field_messages(client_for, manager, changes, field, message):
    response = client_for(manager).post(HOOKS, {**NEW_HOOK, **changes}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and {name.split(".")[0] for name in body["fields"]} == {field}
    if message:
        assert body["fields"][field] == [message]
    assert not WebhookSubscription.objects.exists()


def test_schema_documents_the_endpoints_and_stays_valid(client_for, agent):
    response = client_for(agent).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    paths = schema["paths"]
    assert {
        NOTIFICATIONS,
        MARK_READ,
        HOOKS,
        "/api/v1/webhook-subscriptions/{id}/",
    } <= set(paths)
    assert "unread" in {p["name"] for p in paths[NOTIFICATIONS]["get"]["parameters"]}
    create = paths[HOOKS]["post"]["responses"]
    assert {"201", "400", "401", "403"} <= set(create)
    assert "put" not in paths["/api/v1/webhook-subscriptions/{id}/"]


def test_the_list_costs_the_same_queries_for_any_page_size(
    client_for, alice, notification_factory, django_assert_num_queries
):
    api = client_for(alice)
    for _ in range(30):
        notification_factory(recipient=alice)
    api.get(NOTIFICATIONS)  # warm up (token, roles)
    with django_assert_num_queries(2):  # token with user and roles, page
        api.get(NOTIFICATIONS, {"page_size": 2})
    with django_assert_num_queries(2):
        api.get(NOTIFICATIONS, {"page_size": 30})
