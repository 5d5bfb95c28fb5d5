"""Webhook SSRF guard (subscription and send time) and Standard Webhooks signatures."""

import base64
import importlib
import ipaddress
import socket
import ssl
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
import trustme
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from notifications import delivery, destinations, services, signing
from notifications.models import OutboxMessage, WebhookSubscription

pytestmark = pytest.mark.django_db

HOOKS = "/api/v1/webhook-subscriptions/"
EVENT = {"event_type": "incident.breached", "event_key": "incident:7:breach:response"}
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
real_getaddrinfo = socket.getaddrinfo


def publish() -> OutboxMessage:
    [message] = services.publish_webhook_event(**EVENT, payload={"incident": 7})
    return message


def fake_dns(monkeypatch, answers: dict[str, list[list[str]]]) -> list[str]:
    """Resolve the given names to the given addresses, one answer per lookup (the last repeats);
    other names resolve normally. Returns the log of names looked up."""
    looked_up = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real_getaddrinfo(host, port, *args, **kwargs)
        looked_up.append(host)
        ips = answers[host][min(len(looked_up), len(answers[host])) - 1]
        return [
            (socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
            for ip in ips
        ]

    monkeypatch.setattr(destinations.socket, "getaddrinfo", getaddrinfo)
    return looked_up


# --- the address classifier -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.5.6.7", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.10", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata service
        ("fe80::", "link-local"),
        ("fe80::1", "link-local"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped IPv6
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 wrapping 169.254.169.254
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-global"),  # carrier-grade NAT
        ("172.32.0.1", None),
        ("93.184.215.14", None),
        ("8.8.8.8", None),
        ("::ffff:8.8.8.8", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_the_classifier_names_every_non_public_address(address, kind):
    assert destinations.non_public_kind(ipaddress.ip_address(address)) == kind


def test_allowed_networks_make_exceptions_for_exactly_those_networks(settings):
    ip = ipaddress.ip_address
    assert destinations.refusal(ip("10.1.2.3")) == "a private address"
    settings.NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS = "10.0.0.0/8, 192.168.1.0/24"
    assert destinations.refusal(ip("10.1.2.3")) is None
    assert destinations.refusal(ip("::ffff:10.1.2.3")) is None  # the same address, IPv4-mapped
    assert destinations.refusal(ip("192.168.1.7")) is None
    assert destinations.refusal(ip("192.168.2.7")) == "a private address"
    assert destinations.refusal(ip("127.0.0.1")) == "a loopback address"
    settings.NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # a list works too
    assert destinations.refusal(ip("127.0.0.1")) is None
    settings.NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS = "10.0.0.0/8,not-a-network"
    with pytest.raises(ImproperlyConfigured, match="OPSDESK_WEBHOOK_ALLOWED_NETWORKS"):
        destinations.refusal(ip("10.1.2.3"))


# --- at subscription time ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8080/hook", "127.0.0.1 is a loopback address."),
        ("http://[::1]/hook", "::1 is a loopback address."),
        ("http://10.0.0.5/hook", "10.0.0.5 is a private address."),
        ("https://172.16.4.2/hook", "172.16.4.2 is a private address."),
        ("http://192.168.0.1/hook", "192.168.0.1 is a private address."),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address."),
        ("http://[fe80::1]/hook", "fe80::1 is a link-local address."),
        (
            "http://[::ffff:127.0.0.1]/hook",
            f"{ipaddress.ip_address('::ffff:127.0.0.1')} is a loopback address.",
        ),
        ("http://0.0.0.0:8000/hook", "0.0.0.0 is an unspecified address."),
        ("http://localhost:8000/hook", "localhost resolves to 127.0.0.1, a loopback address."),
    ],
)
def test_a_subscription_to_a_non_public_address_is_a_400_on_the_url(client_for, manager, url, reason):
    response = client_for(manager).post(HOOKS, {"name": "x", "url": url, "event_types": ["*"]}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["url"] == [f"Refused destination: {reason} {destinations.SETTING_HINT}"]
    assert not WebhookSubscription.objects.exists()


def test_a_name_resolving_to_a_private_address_is_refused_and_an_allowed_network_is_accepted(
    client_for, manager, monkeypatch, settings
):
    fake_dns(monkeypatch, {"hooks.internal.test": [["93.184.215.14", "10.0.0.7"]]})
    api = client_for(manager)
    new = {"name": "x", "url": "https://hooks.internal.test/hook", "event_types": ["*"]}
    response = api.post(HOOKS, new, format="json")
    assert response.status_code == 400  # ONE non-public address is enough to refuse
    assert response.json()["fields"]["url"] == [
        "Refused destination: hooks.internal.test resolves to 10.0.0.7, a private address. "
        + destinations.SETTING_HINT
    ]
    settings.NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS = "10.0.0.0/8"
    assert api.post(HOOKS, new, format="json").status_code == 201
    assert api.post(HOOKS, {**new, "url": "http://10.9.9.9:8080/x"}, format="json").status_code == 201


def test_a_name_that_does_not_resolve_yet_is_accepted_and_checked_when_sent(manager):
    subscription = services.webhook_subscription_create(
        actor=manager, name="later", url="https://not-created-yet.invalid/hook", event_types=["*"]
    )
    message = publish()
    assert delivery.deliver(message.pk) == "pending"  # DNS may recover: retried
    message.refresh_from_db()
    assert message.last_error.startswith("Connection failed: cannot resolve the host name")
    assert subscription.pk


def test_the_admin_form_refuses_a_private_address(admin_client):
    response = admin_client.post(
        "/admin/notifications/webhooksubscription/add/",
        {"name": "x", "url": "http://169.254.169.254/", "event_types": '["*"]', "active": "on"},
    )
    assert response.status_code == 200
    assert "169.254.169.254 is a link-local address." in response.content.decode()
    assert not WebhookSubscription.objects.exists()


# --- at send time -----------------------------------------------------------------------------


def test_a_delivery_to_a_loopback_receiver_is_refused_at_send_time_and_not_retried(
    webhook_receiver, subscription_factory
):
    # Saved while allowed (or before this check existed): the send-time check is what protects.
    subscription_factory(url=webhook_receiver.url)
    message = publish()
    assert delivery.deliver(message.pk) == "dead"
    assert delivery.sweep() == {}  # not retried
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("dead", 1)
    assert message.last_error.startswith("Refused destination: 127.0.0.1 is a loopback address.")
    [attempt] = message.delivery_attempts.all()
    assert (attempt.ok, attempt.status_code) == (False, None) and "loopback" in attempt.error
    assert webhook_receiver.requests == []


def test_the_same_delivery_goes_through_when_loopback_is_an_allowed_network(
    webhook_receiver, subscription_factory, settings
):
    settings.NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS = "127.0.0.0/8"
    subscription_factory(url=webhook_receiver.url)
    message = publish()
    assert delivery.deliver(message.pk) == "sent"
    assert len(webhook_receiver.requests) == 1


def test_a_host_name_is_resolved_checked_and_sent_as_the_host_header(
    webhook_receiver, subscription_factory, settings, manager
):
    port = webhook_receiver.server.server_address[1]
    subscription_factory(url=f"http://localhost:{port}/hooks/opsdesk")
    message = publish()
    assert delivery.deliver(message.pk) == "dead"
    assert "localhost resolves to 127.0.0.1, a loopback address." in message.delivery_attempts.get().error
    assert webhook_receiver.requests == []

    settings.NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS = "127.0.0.0/8"
    assert services.outbox_message_retry(actor=manager, message_ids=[message.pk]) == 1
    assert delivery.deliver(message.pk) == "sent"
    [request] = webhook_receiver.requests
    assert request["headers"]["Host"] == f"localhost:{port}"


def test_dns_rebinding_between_check_and_connect_cannot_reach_the_refused_address(
    webhook_receiver, subscription_factory, settings, monkeypatch
):
    """The name first resolves to an allowed address, then (rebinding) to the receiver's refused
    one. The sender connects to the address it checked and never asks the resolver again."""
    settings.NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS = "127.0.0.2/32"
    looked_up = fake_dns(monkeypatch, {"rebind.test": [["127.0.0.2"], ["127.0.0.1"]]})
    port = webhook_receiver.server.server_address[1]
    subscription_factory(url=f"http://rebind.test:{port}/hooks/opsdesk")
    message = publish()
    assert delivery.deliver(message.pk) == "pending"  # nothing listens on 127.0.0.2
    message.refresh_from_db()
    assert message.last_error.startswith("Connection failed")
    assert looked_up == ["rebind.test"] and webhook_receiver.requests == []


def test_a_redirect_is_reported_not_followed(webhook_receiver, subscription_factory, settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS = "127.0.0.0/8"
    subscription_factory(url=webhook_receiver.url)
    webhook_receiver.statuses = [307]
    message = publish()
    assert delivery.deliver(message.pk) == "pending"
    assert message.delivery_attempts.get().error == (
        "HTTP 307 Temporary Redirect: redirects are not followed (Location: http://127.0.0.1:9/elsewhere)"
    )
    assert len(webhook_receiver.requests) == 1


@pytest.fixture
def tls_receiver(webhook_receiver, tmp_path, monkeypatch):
    """The receiver behind TLS with a certificate for hooks.example.test from a private CA that
    the sender trusts through SSL_CERT_FILE (as an operator would add a private CA)."""
    authority = trustme.CA()
    certificate = authority.issue_cert("hooks.example.test")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    webhook_receiver.server.socket = context.wrap_socket(webhook_receiver.server.socket, server_side=True)
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    return webhook_receiver


def test_https_connects_to_the_checked_address_with_the_names_sni_and_certificate(
    tls_receiver, subscription_factory, settings, monkeypatch
):
    settings.NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS = "127.0.0.0/8"
    fake_dns(monkeypatch, {"hooks.example.test": [["127.0.0.1"]], "wrong-name.test": [["127.0.0.1"]]})
    port = tls_receiver.server.server_address[1]
    good = subscription_factory(url=f"https://hooks.example.test:{port}/hooks/opsdesk")
    assert delivery.deliver(publish().pk) == "sent"
    [request] = tls_receiver.requests
    assert request["headers"]["Host"] == f"hooks.example.test:{port}"
    assert Webhook(good.secret).verify(request["body"], dict(request["headers"]))

    # The same receiver under a name its certificate does not carry: the TLS check is made
    # against the URL's name (not the pinned IP), so the connection is refused before any POST.
    WebhookSubscription.objects.filter(pk=good.pk).update(url=f"https://wrong-name.test:{port}/x")
    [message] = services.publish_webhook_event(
        event_type="incident.resolved", event_key="incident:7:resolved", payload={}
    )
    assert delivery.deliver(message.pk) == "pending"
    message.refresh_from_db()
    assert (
        message.last_error.startswith("Connection failed")
        and "CERTIFICATE_VERIFY_FAILED" in message.last_error
    )
    assert len(tls_receiver.requests) == 1


# --- signatures -------------------------------------------------------------------------------


def test_a_delivery_verifies_with_the_standard_library_and_a_replay_is_refused(
    webhook_receiver, subscription_factory, settings
):
    settings.NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS = "127.0.0.0/8"
    subscription = subscription_factory(url=webhook_receiver.url)
    with time_machine.travel(T0, tick=False) as clock:
        message = publish()
        assert delivery.deliver(message.pk) == "sent"
        [request] = webhook_receiver.requests
        body, headers = request["body"], dict(request["headers"])
        assert headers["webhook-id"] == EVENT["event_key"]
        assert headers["webhook-timestamp"] == str(int(T0.timestamp()))
        receiver = Webhook(subscription.secret)
        assert receiver.verify(body, headers)["id"] == EVENT["event_key"]

        with pytest.raises(WebhookVerificationError, match="No matching signature"):
            receiver.verify(body.replace(b"7", b"8"), headers)  # tampered body
        with pytest.raises(WebhookVerificationError, match="No matching signature"):
            receiver.verify(body, {**headers, "webhook-timestamp": str(int(T0.timestamp()) + 60)})

        clock.shift(timedelta(minutes=6))  # the same captured delivery, replayed later
        with pytest.raises(WebhookVerificationError, match="too old"):
            receiver.verify(body, headers)


def test_secrets_are_generated_in_the_standard_form_and_legacy_secrets_keep_their_key(manager):
    generated = services.webhook_subscription_create(
        actor=manager, name="a", url="https://hooks.example.com/x", event_types=["*"]
    ).secret
    assert generated.startswith("whsec_") and len(base64.b64decode(generated[6:])) == 32
    assert signing.secret_problem("whsec_not base64!") == "A whsec_ secret must be whsec_ followed by base64."
    assert signing.secret_problem("whsec_" + base64.b64encode(b"short").decode()).startswith("The key must")
    assert signing.secret_problem("a-legacy-secret-of-sufficient-length") is None

    # A secret from before: the same HMAC key bytes, now verifiable by the standard library.
    legacy = "test-secret-0000legacy"
    body, at = b'{"id":"e1"}', datetime.now(UTC)
    headers = signing.signature_headers(secret=legacy, message_id="e1", body=body, at=at)
    assert Webhook(legacy.encode()).verify(body, headers) == {"id": "e1"}
    assert Webhook(signing.standard_secret(legacy)).verify(body, headers) == {"id": "e1"}


def test_the_migration_rewrites_stored_secrets_without_changing_the_key():
    migration = importlib.import_module("notifications.migrations.0002_webhook_secret_standard_form")
    legacy = WebhookSubscription.objects.create(
        name="old", url="https://a.example/", secret="old-secret-12345678"
    )
    standard = WebhookSubscription.objects.create(
        name="new", url="https://a.example/", secret=signing.new_secret()
    )
    before = standard.secret
    migration.to_standard(apps, None)
    legacy.refresh_from_db()
    standard.refresh_from_db()
    assert legacy.secret == "whsec_" + base64.b64encode(b"old-secret-12345678").decode()
    assert standard.secret == before
    migration.to_legacy(apps, None)
    legacy.refresh_from_db()
    assert legacy.secret == "old-secret-12345678"
