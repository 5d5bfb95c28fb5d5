"""What the real Alertmanager sequence, and Events API v2 events, do to alerts and incidents."""

import copy
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from alerts.models import Alert, AlertGroup, InboundEvent, Integration
from alerts.processing import MAX_ATTEMPTS, inbound_process
from alerts.system import USERNAME
from alerts.tests.conftest import fixture_body
from core.models import Event, TimelineEntry
from incidents import services as incident_services
from incidents.models import Incident, Source

pytestmark = pytest.mark.django_db

WEB3, WEB4 = "203ea351090add0d", "ab17421cb99d7cd6"
STARTED = datetime(2026, 11, 22, 22, 15, 42, 346220, tzinfo=UTC)


def deliver(integration: Integration, body: dict) -> InboundEvent:
    event = InboundEvent.objects.create(integration=integration, body=body)
    inbound_process(integration_id=integration.pk)
    event.refresh_from_db()
    return event


def alert(key: str) -> Alert:
    return Alert.objects.select_related("incident").get(key=key)


def refire(body: dict, *, started: str) -> dict:
    """The same alerts firing again (Alertmanager gives them a new startsAt)."""
    body = copy.deepcopy(body)
    for each in body["alerts"]:
        each["startsAt"] = started
    return body


def test_the_real_sequence_opens_one_incident_and_auto_resolves_it(alertmanager):
    assert deliver(alertmanager, fixture_body("01")).status == InboundEvent.Status.DONE
    incident = Incident.objects.get()
    assert incident.source == Source.ALERT and incident.title == "Checkout p99 latency above 2s"
    assert incident.detected_at == STARTED  # the earliest alert's start, for MTTD
    assert (incident.impact, incident.urgency, incident.priority) == (2, 2, 3)  # warning → 2/2 → P3
    assert incident.reporter.username == USERNAME and incident.service == alertmanager.service
    assert "alertname=CheckoutLatencyHigh" in incident.description
    assert {a.key: a.incident_id for a in Alert.objects.all()} == {WEB3: incident.pk, WEB4: incident.pk}

    deliver(alertmanager, fixture_body("02"))
    assert alert(WEB3).status == "resolved" and alert(WEB3).ends_at is not None
    incident.refresh_from_db()
    assert incident.is_open  # web-4 still fires

    deliver(alertmanager, fixture_body("03"))  # only web-4 in it: web-3's state is remembered
    incident.refresh_from_db()
    assert incident.status == "resolved" and incident.resolution_code == "fixed"
    note = TimelineEntry.objects.filter(object_id=incident.pk, to_state="resolved").get().note
    assert "Every alert resolved in Prometheus" in note
    types = list(Event.objects.filter(type__startswith="alert.").values_list("type", flat=True))
    assert sorted(types) == ["alert.received", "alert.received", "alert.resolved", "alert.resolved"]


def test_repeats_and_retries_change_nothing(alertmanager):
    for _ in range(3):  # repeat_interval resends, and a sender's retries
        deliver(alertmanager, fixture_body("01"))
    assert Incident.objects.count() == 1
    assert alert(WEB3).received_count == 3
    assert Event.objects.filter(type="alert.received").count() == 2
    timeline = TimelineEntry.objects.filter(object_id=Incident.objects.get().pk).count()
    deliver(alertmanager, fixture_body("01"))
    assert TimelineEntry.objects.filter(object_id=Incident.objects.get().pk).count() == timeline


def test_a_late_retry_of_a_firing_does_not_reopen(alertmanager):
    for name in ("01", "02", "03"):
        deliver(alertmanager, fixture_body(name))
    deliver(alertmanager, fixture_body("01"))  # the first notification again, after everything resolved
    incident = Incident.objects.get()
    assert incident.status == "resolved"
    assert alert(WEB3).status == alert(WEB4).status == "resolved"


def test_firing_again_reopens_the_resolved_incident(alertmanager):
    for name in ("01", "02", "03"):
        deliver(alertmanager, fixture_body(name))
    deliver(alertmanager, refire(fixture_body("01"), started="2026-11-23T08:00:00Z"))
    incident = Incident.objects.get()
    assert incident.status == "in_progress" and incident.reopened_at is not None
    assert alert(WEB3).status == "firing" and alert(WEB3).starts_at == datetime(2026, 11, 23, 8, tzinfo=UTC)
    assert "Alert fired again" in TimelineEntry.objects.filter(to_state="in_progress").last().note


def test_firing_after_the_incident_closed_opens_a_new_one(alertmanager, agent):
    for name in ("01", "02", "03"):
        deliver(alertmanager, fixture_body(name))
    first = Incident.objects.get()
    incident_services.incident_transition(incident=first, actor=agent, action="close")
    deliver(alertmanager, refire(fixture_body("01"), started="2026-11-23T08:00:00Z"))
    second = Incident.objects.exclude(pk=first.pk).get()
    assert second.is_open and alert(WEB3).incident == second and alert(WEB4).incident == second
    assert AlertGroup.objects.get().incident == second


def test_grouping_per_fingerprint_opens_an_incident_per_alert(make_integration):
    integration = make_integration(grouping=Integration.Grouping.FINGERPRINT)
    deliver(integration, fixture_body("01"))
    assert Incident.objects.count() == 2
    deliver(integration, fixture_body("02"))  # web-3 resolved: its own incident resolves
    assert alert(WEB3).incident.status == "resolved" and alert(WEB4).incident.status == "new"


def test_without_auto_resolve_the_incident_stays_open(make_integration):
    integration = make_integration(auto_resolve=False)
    for name in ("01", "02", "03"):
        deliver(integration, fixture_body(name))
    assert Incident.objects.get().status == "new"
    assert Alert.objects.filter(status="resolved").count() == 2


def test_auto_resolve_from_any_open_state(alertmanager, agent):
    deliver(alertmanager, fixture_body("01"))
    incident = Incident.objects.get()
    for action in ("acknowledge", "start", "hold"):
        params = {"hold_reason": "awaiting_vendor"} if action == "hold" else {}
        incident = incident_services.incident_transition(
            incident=incident, actor=agent, action=action, **params
        )
    deliver(alertmanager, fixture_body("02"))
    deliver(alertmanager, fixture_body("03"))
    assert Incident.objects.get().status == "resolved"


def test_severity_map_decides_priority(make_integration):
    integration = make_integration(severity_map={"warning": [1, 1]})
    deliver(integration, fixture_body("01"))
    assert Incident.objects.get().priority == 1


def test_an_unprocessable_event_is_retried_then_fails_without_blocking_others(alertmanager, monkeypatch):
    from alerts import processing

    calls = {"n": 0}
    real = processing.apply_signal

    def flaky(run, signal):
        calls["n"] += 1
        if signal.key == WEB3 and calls["n"] == 1:
            raise ConnectionError("lost the database for a moment")
        return real(run, signal)

    monkeypatch.setattr(processing, "apply_signal", flaky)
    event = deliver(alertmanager, fixture_body("01"))
    assert event.status == "pending" and event.attempts == 1 and "ConnectionError" in event.error
    assert Incident.objects.count() == 0 and Alert.objects.count() == 0  # the event's savepoint rolled back
    with time_machine.travel(event.due_at + timedelta(seconds=1)):
        inbound_process(integration_id=alertmanager.pk)
    event.refresh_from_db()
    assert event.status == "done" and Incident.objects.count() == 1

    bad = InboundEvent.objects.create(integration=alertmanager, body={"alerts": "nope"})
    good = InboundEvent.objects.create(integration=alertmanager, body=fixture_body("02"))
    inbound_process(integration_id=alertmanager.pk)
    bad.refresh_from_db(), good.refresh_from_db()
    assert bad.status == "failed" and bad.attempts == 1  # invalid: never retried
    assert good.status == "done" and alert(WEB3).status == "resolved"
    assert MAX_ATTEMPTS > 1


# --- Events API v2 ---------------------------------------------------------------------------


def v2(action: str, key: str, **payload) -> dict:
    event = {"event_action": action, "dedup_key": key}
    if action == "trigger":
        event["payload"] = {
            "summary": "Disk full on db-1",
            "source": "db-1",
            "severity": "critical",
            **payload,
        }
    return event


def test_events_v2_trigger_acknowledge_resolve(events_v2):
    deliver(events_v2, v2("trigger", "disk-db-1"))
    incident = Incident.objects.get()
    assert incident.priority == 1 and incident.title == "Disk full on db-1"
    deliver(events_v2, v2("trigger", "disk-db-1", summary="Disk still full"))  # an update, deduplicated
    assert Incident.objects.count() == 1 and alert("disk-db-1").summary == "Disk still full"
    deliver(events_v2, v2("acknowledge", "disk-db-1"))
    incident.refresh_from_db()
    assert incident.status == "acknowledged" and alert("disk-db-1").status == "acknowledged"
    deliver(events_v2, v2("resolve", "disk-db-1"))
    incident.refresh_from_db()
    assert incident.status == "resolved" and alert("disk-db-1").status == "resolved"
    deliver(events_v2, v2("trigger", "disk-db-1"))  # fires again: reopened
    incident.refresh_from_db()
    assert incident.status == "in_progress" and Incident.objects.count() == 1


def test_events_v2_resolving_an_unknown_key_changes_nothing(events_v2):
    event = deliver(events_v2, v2("resolve", "never-seen"))
    assert event.status == "done" and not Alert.objects.exists() and not Incident.objects.exists()


def test_deactivated_service_user_refuses_to_act(alertmanager):
    from django.contrib.auth import get_user_model

    deliver(alertmanager, fixture_body("01"))
    get_user_model().objects.filter(username=USERNAME).update(is_active=False)
    event = deliver(alertmanager, fixture_body("02"))
    assert event.status == "pending" and "deactivated" in event.error


def test_one_body_that_resolves_the_last_alert_and_fires_a_new_one(alertmanager):
    first = fixture_body("01")
    first["alerts"] = first["alerts"][:1]  # only web-3 fires
    deliver(alertmanager, first)
    second = fixture_body("02")  # web-3 resolved, then web-4 firing, in one body of the same group
    deliver(alertmanager, second)
    incident = Incident.objects.get()
    assert incident.status == "in_progress" and incident.reopened_at is not None  # resolved, then reopened
    assert alert(WEB4).incident == incident and alert(WEB4).status == "firing"
    payloads_seen = Event.objects.filter(type="alert.received", payload__alert__key=WEB4).get().payload
    assert (
        payloads_seen["incident"]["status"] == "in_progress"
        and payloads_seen["incident"]["number"] == incident.number
    )


def test_odd_but_valid_alerts_are_stored_within_column_limits(alertmanager):
    body = fixture_body("01")
    body["alerts"][0]["labels"]["severity"] = "s" * 300
    body["alerts"][0]["annotations"]["summary"] = "   "  # blank: the alertname is the title
    assert deliver(alertmanager, body).status == "done"
    assert alert(WEB3).severity == "s" * 32 and Incident.objects.get().title == "CheckoutLatencyHigh"


def test_the_sweep_processes_what_no_nudge_reached(alertmanager, events_v2):
    from alerts.tasks import sweep_inbound

    InboundEvent.objects.create(integration=alertmanager, body=fixture_body("01"))  # stored, never nudged
    InboundEvent.objects.create(integration=events_v2, body=v2("trigger", "disk-db-1"))
    assert sweep_inbound() == 2
    assert Incident.objects.count() == 2 and not InboundEvent.objects.filter(status="pending").exists()
    assert sweep_inbound() == 0  # nothing twice
