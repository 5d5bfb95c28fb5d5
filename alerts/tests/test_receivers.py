"""The endpoints senders post to: stored before the answer, 4xx on anything bad, never a 500."""

import json

import pytest

from alerts.models import Alert, InboundEvent
from alerts.receivers import MAX_BODY_BYTES
from alerts.tests.conftest import fixture_body, post_json
from incidents.models import Incident

pytestmark = pytest.mark.django_db


def am_url(integration) -> str:
    return f"/api/v1/integrations/{integration.key}/alertmanager/"


ENQUEUE = "/events/v2/enqueue"


def test_alertmanager_body_is_stored_before_the_answer(alertmanager, sender):
    response = post_json(sender, am_url(alertmanager), fixture_body("01"))
    assert response.status_code == 202, response.content
    assert response.json()["alerts"] == 2
    stored = InboundEvent.objects.get()
    assert stored.body == fixture_body("01") and stored.status == "pending"


def test_processed_after_commit_inline(alertmanager, sender, inline, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_json(sender, am_url(alertmanager), fixture_body("01"))
    assert InboundEvent.objects.get().status == "done"
    assert Incident.objects.count() == 1 and Alert.objects.count() == 2


@pytest.mark.parametrize(
    "raw, status, code",
    [
        (b"{not json", 400, "invalid"),
        (b"\xff\xfe", 400, "invalid"),
        (json.dumps({"alerts": [{"status": "firing"}]}).encode(), 400, "invalid"),
        (json.dumps([1, 2]).encode(), 400, "invalid"),
        (json.dumps(fixture_body("01")).replace('"warning"', "NaN", 1).encode(), 400, "invalid"),
        (json.dumps(fixture_body("01")).replace("web-3", "web\\u0000-3").encode(), 400, "invalid"),
        (b"[" * 100_000 + b"]" * 100_000, 400, "invalid"),
    ],
)
def test_bad_bodies_are_400_with_messages(alertmanager, sender, raw, status, code):
    response = post_json(sender, am_url(alertmanager), raw)
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code and body["fields"]["body"]
    assert not InboundEvent.objects.exists()


def test_wrong_key_inactive_and_wrong_method(alertmanager, events_v2, sender, manager):
    assert post_json(sender, "/api/v1/integrations/nope/alertmanager/", fixture_body("01")).status_code == 404
    assert (
        post_json(sender, am_url(events_v2), fixture_body("01")).status_code == 404
    )  # not an Alertmanager key
    get = sender.get(am_url(alertmanager))
    assert get.status_code == 405 and "POST" in get["Allow"] and get.json()["code"] == "method_not_allowed"
    from alerts import services

    services.integration_update(integration=alertmanager, actor=manager, active=False)
    refused = post_json(sender, am_url(alertmanager), fixture_body("01"))
    assert refused.status_code == 403 and refused.json()["code"] == "integration_inactive"
    assert not InboundEvent.objects.exists()


def test_bodies_over_512_kb_are_413(alertmanager, sender):
    body = fixture_body("01")
    body["commonAnnotations"]["description"] = "x" * MAX_BODY_BYTES
    response = post_json(sender, am_url(alertmanager), body)
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    just_under = fixture_body("01")
    just_under["commonAnnotations"]["description"] = "x" * (MAX_BODY_BYTES - len(json.dumps(just_under)) - 20)
    assert post_json(sender, am_url(alertmanager), just_under).status_code == 202


def test_rate_limit_per_integration_answers_429_with_retry_after(make_integration, sender):
    limited = make_integration(name="Noisy", rate_limit=2)
    other = make_integration(name="Quiet", rate_limit=2)
    statuses = [post_json(sender, am_url(limited), fixture_body("01")).status_code for _ in range(3)]
    assert statuses == [202, 202, 429]
    throttled = post_json(sender, am_url(limited), fixture_body("01"))
    assert throttled.status_code == 429 and 1 <= int(throttled["Retry-After"]) <= 60
    assert throttled.json()["code"] == "throttled"
    assert post_json(sender, am_url(other), fixture_body("01")).status_code == 202  # its own budget
    assert InboundEvent.objects.filter(integration=limited).count() == 2


# --- Events API v2 ---------------------------------------------------------------------------


def trigger(key: str, **extra) -> dict:
    return {
        "routing_key": key,
        "event_action": "trigger",
        "payload": {"summary": "Disk full", "source": "db-1", "severity": "error"},
        **extra,
    }


def test_enqueue_answers_like_pagerduty(events_v2, sender):
    response = post_json(sender, ENQUEUE, trigger(events_v2.key))
    assert response.status_code == 202
    body = response.json()
    assert (
        body["status"] == "success" and body["message"] == "Event processed" and len(body["dedup_key"]) == 32
    )
    stored = InboundEvent.objects.get()
    assert stored.body["dedup_key"] == body["dedup_key"] and "routing_key" not in stored.body
    again = post_json(sender, ENQUEUE, trigger(events_v2.key, dedup_key="mine"))
    assert again.json()["dedup_key"] == "mine"


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"[]",
        {"event_action": "trigger"},
        {
            "routing_key": "KEY",
            "event_action": "trigger",
            "payload": {"summary": "s", "source": "x", "severity": "bad"},
        },
        {"routing_key": "KEY", "event_action": "resolve"},
    ],
)
def test_enqueue_refuses_invalid_events(events_v2, sender, body):
    if isinstance(body, dict) and body.get("routing_key") == "KEY":
        body["routing_key"] = events_v2.key
    response = post_json(sender, ENQUEUE, body)
    assert response.status_code == 400
    assert response.json()["status"] == "invalid event" and response.json()["errors"]
    assert not InboundEvent.objects.exists()


def test_enqueue_with_an_unknown_routing_key(alertmanager, sender):
    for key in ("0" * 32, alertmanager.key):  # unknown, and an Alertmanager integration's key
        response = post_json(sender, ENQUEUE, trigger(key))
        assert response.status_code == 400 and "routing_key" in response.json()["errors"][0]


def test_enqueue_too_large(events_v2, sender):
    response = post_json(sender, ENQUEUE, trigger(events_v2.key, links=[{"href": "x" * MAX_BODY_BYTES}]))
    assert response.status_code == 413 and response.json()["status"] == "invalid event"
