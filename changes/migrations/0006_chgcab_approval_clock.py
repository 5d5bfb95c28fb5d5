"""The approval clock: a default SLA policy of process "change" for each priority, whose "approval"
target starts when a change is sent for approval (assess) and stops on approve, reject or cancel.
Two business days on the office-hours calendar: at 50 % (one business day) the pending approvers are
reminded, at the breach the change managers hear of it (changes/sla.py)."""

from datetime import timedelta

from django.db import migrations

CALENDAR = "Office hours"
BUSINESS_DAY = timedelta(hours=8)  # the office-hours calendar's working day (09:00-17:00)
TARGET = dict(
    name="approval",
    position=0,
    start_on=["assess"],
    pause_on=[],
    resume_on=[],
    stop_on=["approve", "reject", "cancel"],
)
PRIORITIES = {1: "P1 critical", 2: "P2 high", 3: "P3 medium", 4: "P4 low"}


def load_approval_clock(apps, schema_editor):
    """Also called by the tests after a flush (changes/tests/approval_factories.py)."""
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaTarget = apps.get_model("sla", "SlaTarget")
    Calendar = apps.get_model("sla", "Calendar")
    calendar = Calendar.objects.filter(name=CALENDAR).first()
    # Without the office-hours calendar the clock runs 24×7: two days then.
    duration = 2 * BUSINESS_DAY if calendar else timedelta(days=2)
    for priority, label in PRIORITIES.items():
        policy, created = SlaPolicy.objects.get_or_create(
            process="change",
            priority=priority,
            service=None,
            defaults={"name": f"Change approval {label}", "calendar": calendar},
        )
        if created:
            SlaTarget.objects.create(policy=policy, duration=duration, **TARGET)


def unload_approval_clock(apps, schema_editor):
    """Row by row, without the deletion collector (it trips over the historical models' relations)."""
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaTarget = apps.get_model("sla", "SlaTarget")
    SlaClock = apps.get_model("sla", "SlaClock")
    names = [f"Change approval {label}" for label in PRIORITIES.values()]
    ids = list(
        SlaPolicy.objects.filter(process="change", service=None, name__in=names).values_list("pk", flat=True)
    )
    SlaClock.objects.filter(policy_target__policy_id__in=ids).update(policy_target=None)
    SlaTarget.objects.filter(policy_id__in=ids)._raw_delete(schema_editor.connection.alias)
    SlaPolicy.objects.filter(pk__in=ids)._raw_delete(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("changes", "0005_chgcab_approval_round"),
        ("sla", "0007_remove_policy_target_columns"),
    ]
    operations = [migrations.RunPython(load_approval_clock, unload_approval_clock)]
