"""Escalation state moves off the incident table into sla.Escalation (one row per escalated
incident, with a snapshot of its policy's levels as they are now), then the columns go.

Time already spent on hold was not tracked before: an incident on hold now has its time stopped
(elapsed = time since filing up to when it went on hold, 24×7 as the old policies counted)."""

from datetime import timedelta

from django.db import migrations

OPEN = ("new", "acknowledged", "in_progress", "on_hold")


def snapshot(policy) -> list[dict]:
    return [
        {
            "number": level.number,
            "trigger": level.trigger,
            "after": level.after.total_seconds(),
            "notify_users": sorted(user.pk for user in level.notify_users.all()),
            "notify_group": level.notify_group_id,
            "notify_assignment_group": level.notify_assignment_group,
            "notify_group_lead": level.notify_group_lead,
            "notify_managers": level.notify_managers,
            "reassign_to_group": level.reassign_to_group_id,
            "raise_to_next_group": level.raise_to_next_group,
            "raise_priority": level.raise_priority,
        }
        for level in policy.levels.order_by("number").prefetch_related("notify_users")
    ]


def move_state(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    Escalation = apps.get_model("sla", "Escalation")
    ContentType = apps.get_model("contenttypes", "ContentType")
    incidents = Incident.objects.filter(escalation_policy__isnull=False).select_related("escalation_policy")
    if not incidents.exists():
        return
    content_type, _ = ContentType.objects.get_or_create(app_label="incidents", model="incident")
    snapshots = {}
    rows = []
    for incident in incidents.iterator(chunk_size=2000):
        policy = incident.escalation_policy
        if policy.pk not in snapshots:
            snapshots[policy.pk] = snapshot(policy)
        on_hold = incident.status == "on_hold" and incident.on_hold_at is not None
        rows.append(
            Escalation(
                content_type=content_type,
                object_id=incident.pk,
                policy=policy,
                calendar_id=policy.calendar_id,
                levels=snapshots[policy.pk],
                level=incident.escalation_level,
                elapsed=(incident.on_hold_at - incident.created_at) if on_hold else timedelta(0),
                running_since=None if on_hold else incident.created_at,
                next_due_at=None if on_hold or incident.status not in OPEN else incident.next_escalation_at,
                applied_at=incident.created_at,
            )
        )
        if len(rows) >= 2000:
            Escalation.objects.bulk_create(rows)
            rows = []
    Escalation.objects.bulk_create(rows)


def restore_state(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    Escalation = apps.get_model("sla", "Escalation")
    for escalation in Escalation.objects.filter(
        content_type__app_label="incidents", content_type__model="incident"
    ):
        Incident.objects.filter(pk=escalation.object_id).update(
            escalation_policy_id=escalation.policy_id,
            escalation_level=escalation.level,
            next_escalation_at=escalation.next_due_at,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0002_sla_clocks_and_escalation"),
        ("sla", "0004_escalation_process_calendar_and_state"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(move_state, restore_state),
        migrations.RemoveField(model_name="incident", name="escalation_level"),
        migrations.RemoveField(model_name="incident", name="escalation_policy"),
        migrations.RemoveField(model_name="incident", name="next_escalation_at"),
    ]
