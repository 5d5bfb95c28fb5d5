"""The data migration that moves the escalation state off the incident table into sla.Escalation."""

from datetime import UTC, datetime, timedelta

BEFORE = [
    ("incidents", "0002_sla_clocks_and_escalation"),
    ("sla", "0004_escalation_process_calendar_and_state"),
]
AFTER = [("incidents", "0003_escalation_state_moves_to_sla")]
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_escalation_state_moves_to_sla_with_a_snapshot_of_the_levels(migrator):
    old = migrator(BEFORE)
    try:
        user = old.get_model("auth", "User").objects.create(username="mover")
        service = old.get_model("catalog", "Service").objects.create(name="Moving", slug="moving")
        policy = old.get_model("sla", "EscalationPolicy").objects.get(name="Default P1")
        Incident = old.get_model("incidents", "Incident")
        common = dict(service=service, reporter=user, created_at=T0, escalation_policy=policy, priority=1)
        running = Incident.objects.create(
            number="INC-1", title="Running", escalation_level=1, next_escalation_at=T0 + timedelta(minutes=15),
            **common,
        )  # fmt: skip
        held = Incident.objects.create(
            number="INC-2", title="Held", status="on_hold", on_hold_at=T0 + timedelta(minutes=20),
            escalation_level=2, next_escalation_at=T0 + timedelta(hours=1), **common,
        )  # fmt: skip
        Incident.objects.create(number="INC-3", title="No policy", service=service, reporter=user)
    finally:
        new = migrator(AFTER)
    Escalation = new.get_model("sla", "Escalation")
    rows = {row.object_id: row for row in Escalation.objects.all()}
    assert set(rows) == {running.pk, held.pk}
    moved = rows[running.pk]
    assert (moved.policy_id, moved.level, moved.next_due_at, moved.running_since) == (
        policy.pk, 1, T0 + timedelta(minutes=15), T0,
    )  # fmt: skip
    assert [(level["number"], level["after"]) for level in moved.levels] == [(1, 300), (2, 900), (3, 3600)]
    stopped = rows[held.pk]
    assert (stopped.level, stopped.elapsed, stopped.running_since, stopped.next_due_at) == (
        2, timedelta(minutes=20), None, None,
    )  # fmt: skip
    assert not any(
        f.name.startswith("escalation") for f in new.get_model("incidents", "Incident")._meta.fields
    )
