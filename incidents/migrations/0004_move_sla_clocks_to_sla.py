"""Incidents' SLA clocks move to sla.SlaClock (content type + object id), each with the target of
its policy and a copy of the transitions it obeys (exactly today's, see sla 0004)."""

import json

from django.db import migrations

RULES = {
    "response": {"pause": [], "resume": [], "stop": ["acknowledge", "resolve", "cancel"]},
    "resolution": {"pause": ["hold"], "resume": ["resume", "reopen"], "stop": ["resolve", "cancel"]},
}
FIELDS = (
    "target, calendar_id, target_duration, elapsed, running_since, stopped_at, half_at, at_risk_at, due_at,"
    " warned_50_at, warned_75_at, breached_at, next_fire_at"
)


def move_clocks(apps, schema_editor):
    IncidentSlaClock = apps.get_model("incidents", "IncidentSlaClock")
    if not IncidentSlaClock.objects.exists():
        return
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="incidents", model="incident")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO sla_slaclock (content_type_id, object_id, policy_target_id, rules, {FIELDS})
            SELECT %s, c.incident_id, t.id, (%s::jsonb) -> c.target, {", ".join(f"c.{f.strip()}" for f in FIELDS.split(","))}
            FROM incidents_incidentslaclock c
            LEFT JOIN sla_slatarget t ON t.policy_id = c.policy_id AND t.name = c.target
            ORDER BY c.id
            """,
            [content_type.pk, json.dumps(RULES)],
        )


def move_clocks_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type = ContentType.objects.filter(app_label="incidents", model="incident").first()
    if content_type is None:
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO incidents_incidentslaclock (incident_id, policy_id, {FIELDS})
            SELECT c.object_id, t.policy_id, {", ".join(f"c.{f.strip()}" for f in FIELDS.split(","))}
            FROM sla_slaclock c LEFT JOIN sla_slatarget t ON t.id = c.policy_target_id
            WHERE c.content_type_id = %s AND c.target IN ('response', 'resolution')
            """,
            [content_type.pk],
        )
        cursor.execute("DELETE FROM sla_slaclock WHERE content_type_id = %s", [content_type.pk])


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0003_escalation_state_moves_to_sla"),
        ("sla", "0006_policy_targets_from_columns"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(move_clocks, move_clocks_back)]
