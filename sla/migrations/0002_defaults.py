import importlib
from datetime import time, timedelta

from django.db import migrations

SLA_DEFAULTS = [  # priority, name, response target, resolution target
    (1, "P1 critical", timedelta(minutes=15), timedelta(hours=2)),
    (2, "P2 high", timedelta(minutes=30), timedelta(hours=4)),
    (3, "P3 medium", timedelta(hours=2), timedelta(hours=8)),
    (4, "P4 low", timedelta(hours=4), timedelta(hours=24)),
]


def load_defaults(apps, schema_editor):
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    columns = any(field.name == "response_target" for field in SlaPolicy._meta.get_fields())
    if not columns:
        _load_policies_with_targets(apps)  # the test suite reloads this data on today's models
    for priority, name, response, resolution in SLA_DEFAULTS if columns else ():
        SlaPolicy.objects.get_or_create(
            priority=priority,
            service=None,
            defaults={"name": f"{name} (24×7)", "response_target": response, "resolution_target": resolution},
        )

    Calendar = apps.get_model("sla", "Calendar")
    WorkingPeriod = apps.get_model("sla", "WorkingPeriod")
    office, created = Calendar.objects.get_or_create(name="Office hours", defaults={"time_zone": "UTC"})
    if created:
        WorkingPeriod.objects.bulk_create(
            WorkingPeriod(calendar=office, weekday=day, start=time(9), end=time(17)) for day in range(5)
        )

    EscalationPolicy = apps.get_model("sla", "EscalationPolicy")
    EscalationLevel = apps.get_model("sla", "EscalationLevel")
    levels = {
        1: [
            dict(
                trigger="not_acknowledged",
                after=timedelta(minutes=5),
                notify_assignment_group=True,
                notify_group_lead=True,
            ),
            dict(
                trigger="not_acknowledged",
                after=timedelta(minutes=15),
                notify_managers=True,
                raise_to_next_group=True,
            ),
            dict(
                trigger="not_resolved", after=timedelta(hours=1), notify_managers=True, notify_group_lead=True
            ),
        ],
        2: [
            dict(trigger="not_acknowledged", after=timedelta(minutes=15), notify_group_lead=True),
            dict(trigger="not_acknowledged", after=timedelta(minutes=30), notify_managers=True),
        ],
    }
    # Tests reload this data with the current models, where policies also name their process.
    process = (
        {"process": "incident"} if any(f.name == "process" for f in EscalationPolicy._meta.fields) else {}
    )
    for priority, steps in levels.items():
        policy, created = EscalationPolicy.objects.get_or_create(
            name=f"Default P{priority}", defaults={"priority": priority, **process}
        )
        if created:
            for number, step in enumerate(steps, start=1):
                EscalationLevel.objects.create(policy=policy, number=number, **step)


def _load_policies_with_targets(apps):
    """The same defaults once policies have targets as rows (sla 0004)."""
    rules = importlib.import_module("sla.migrations.0006_policy_targets_from_columns").RULES
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaTarget = apps.get_model("sla", "SlaTarget")
    for priority, name, response, resolution in SLA_DEFAULTS:
        policy, created = SlaPolicy.objects.get_or_create(
            process="incident", priority=priority, service=None, defaults={"name": f"{name} (24×7)"}
        )
        if created:
            for position, (target, duration) in enumerate(
                (("response", response), ("resolution", resolution))
            ):
                SlaTarget.objects.create(
                    policy=policy, name=target, duration=duration, position=position, **rules[target]
                )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]
    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
