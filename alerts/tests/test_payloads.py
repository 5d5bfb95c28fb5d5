"""Reading the real Alertmanager bodies and Events API v2 events (no database)."""

from datetime import UTC, datetime

import pytest

from alerts import payloads
from alerts.tests.conftest import fixture_body

GROUP_KEY = '{}:{alertname="CheckoutLatencyHigh"}'


def test_two_firing_alerts_of_one_group():
    signals = payloads.alertmanager_signals(fixture_body("01"), by_group=True)
    assert [s.key for s in signals] == ["203ea351090add0d", "ab17421cb99d7cd6"]
    assert {s.group_key for s in signals} == {GROUP_KEY}
    web3 = signals[0]
    assert web3.status == "firing" and web3.summary == "Checkout p99 latency above 2s"
    assert web3.severity == "warning" and web3.labels["instance"] == "web-3"
    assert web3.annotations["runbook_url"] == "https://runbooks.example/checkout"
    assert web3.starts_at == datetime(2026, 11, 22, 22, 15, 42, 346220, tzinfo=UTC)
    assert web3.ends_at is None  # 0001-01-01: still firing
    assert web3.links == [{"href": "http://127.0.0.1:19093", "text": "Alertmanager"}]  # empty generatorURL


def test_one_resolved_then_the_last_resolved():
    second = payloads.alertmanager_signals(fixture_body("02"), by_group=True)
    assert [(s.key, s.status) for s in second] == [
        ("203ea351090add0d", "resolved"),
        ("ab17421cb99d7cd6", "firing"),
    ]
    assert second[0].ends_at is not None
    last = payloads.alertmanager_signals(fixture_body("03"), by_group=True)
    assert [(s.key, s.status) for s in last] == [("ab17421cb99d7cd6", "resolved")]  # web-3 not repeated


def test_grouping_per_fingerprint():
    signals = payloads.alertmanager_signals(fixture_body("01"), by_group=False)
    assert [s.group_key for s in signals] == [s.key for s in signals]


@pytest.mark.parametrize(
    "body, error",
    [
        ([], "body: must be a JSON object"),
        ({"alerts": []}, "alerts: must be a non-empty list"),
        ({"groupKey": "g", "alerts": [{"status": "burning", "labels": {"a": "b"}}]}, "alerts[0].status"),
        ({"groupKey": "g", "alerts": [{"status": "firing", "labels": {"a": 1}}]}, "alerts[0].labels"),
        (
            {"groupKey": "g", "alerts": [{"status": "firing", "fingerprint": "f", "startsAt": "yesterday"}]},
            "startsAt",
        ),
        ({"alerts": [{"status": "firing", "fingerprint": "f"}]}, "groupKey"),
    ],
)
def test_invalid_alertmanager_bodies_say_where(body, error):
    with pytest.raises(payloads.Invalid) as caught:
        payloads.alertmanager_signals(body, by_group=True)
    assert any(error in message for message in caught.value.errors), caught.value.errors


def test_unknown_fields_are_ignored_and_javascript_links_dropped():
    body = fixture_body("01") | {"somethingNew": 1}
    body["alerts"][0] |= {"generatorURL": "javascript:alert(1)", "extra": {"x": 1}}
    signals = payloads.alertmanager_signals(body, by_group=True)
    assert all(not link["href"].startswith("javascript") for s in signals for link in s.links)


def test_events_v2_trigger_gets_a_dedup_key_and_keeps_details():
    event = payloads.events_v2_normalise(
        {
            "routing_key": "k" * 32,
            "event_action": "trigger",
            "payload": {"summary": "Disk full", "source": "db-1", "severity": "critical", "component": "pg",
                        "custom_details": {"free": "0 B"}},
            "links": [{"href": "https://grafana.example/d/1", "text": "Dashboard"}],
        }
    )  # fmt: skip
    assert len(event["dedup_key"]) == 32
    signal = payloads.events_v2_signal(event)
    assert signal.status == "firing" and signal.summary == "Disk full" and signal.severity == "critical"
    assert signal.labels == {"source": "db-1", "component": "pg", "severity": "critical"}
    assert '"free": "0 B"' in signal.annotations["custom_details"]
    assert signal.links == [{"href": "https://grafana.example/d/1", "text": "Dashboard"}]


@pytest.mark.parametrize(
    "body, error",
    [
        ({"event_action": "trigger"}, "'routing_key' is missing or blank"),
        ({"routing_key": "k", "event_action": "explode"}, "'event_action' must be one of"),
        ({"routing_key": "k", "event_action": "resolve"}, "'dedup_key' is required to resolve"),
        (
            {"routing_key": "k", "event_action": "trigger", "payload": {"summary": "s", "source": "x"}},
            "severity",
        ),
        (
            {"routing_key": "k", "event_action": "trigger", "payload": {"source": "x", "severity": "info"}},
            "summary",
        ),
        ("a string", "Event object is invalid"),
    ],
)
def test_invalid_events_v2(body, error):
    with pytest.raises(payloads.Invalid) as caught:
        payloads.events_v2_normalise(body)
    assert any(error in message for message in caught.value.errors), caught.value.errors
