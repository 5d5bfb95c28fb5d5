"""The data migrations: yesterday's policies and incident clocks come out as targets and sla clocks
with the same figures and exactly today's transitions."""

from datetime import UTC, datetime, timedelta

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from sla import clock as sla_clock
from sla.models import SlaClock

BEFORE = [("sla", "0002_defaults"), ("incidents", "0002_sla_clocks_and_escalation")]
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_policies_and_incident_clocks_are_migrated(migrator):
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = migrator(BEFORE)
        policy = old.get_model("sla", "SlaPolicy").objects.get(priority=1, service=None)
        service = old.get_model("catalog", "Service").objects.create(name="Old", slug="old")
        user = old.get_model("auth", "User").objects.create(username="old")
        incident = old.get_model("incidents", "Incident").objects.create(
            number="INC-9", title="Old", service=service, reporter=user, priority=1, status="on_hold"
        )
        Clock = old.get_model("incidents", "IncidentSlaClock")
        Clock.objects.create(
            incident=incident, target="response", policy=policy, target_duration=timedelta(minutes=15),
            elapsed=timedelta(minutes=5), stopped_at=T0, warned_50_at=T0,
        )  # fmt: skip
        Clock.objects.create(
            incident=incident, target="resolution", policy=policy, target_duration=timedelta(hours=2),
            elapsed=timedelta(minutes=30),
        )  # fmt: skip
    finally:
        migrator(latest)

    clocks = {c.target: c for c in SlaClock.objects.filter(object_id=incident.pk)}
    response, resolution = clocks["response"], clocks["resolution"]
    assert response.content_type.model_class()._meta.label == "incidents.Incident"
    assert (response.elapsed, response.stopped_at, response.warned_50_at) == (timedelta(minutes=5), T0, T0)
    assert response.policy_target.policy_id == policy.pk and response.policy_target.name == "response"
    assert resolution.rules == {
        "pause": ["hold"],
        "resume": ["resume", "reopen"],
        "stop": ["resolve", "cancel"],
    }
    assert response.effect_of("acknowledge") == "stop" and resolution.effect_of("acknowledge") is None
    assert sla_clock.state(resolution, now=T0) == "paused"
    assert [t.name for t in response.policy_target.policy.targets.all()] == ["response", "resolution"]
