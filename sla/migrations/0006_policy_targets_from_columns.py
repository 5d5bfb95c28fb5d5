"""Each policy's response and resolution columns become two SlaTarget rows with exactly today's
behaviour: response runs from filing and stops on acknowledge, resolve or cancel; resolution runs
from filing, pauses on hold, runs on after resume or reopen (keeping the elapsed time) and stops on
resolve or cancel. Every policy until now was an incident policy."""

from django.db import migrations

RULES = {
    "response": {
        "start_on": ["create"],
        "pause_on": [],
        "resume_on": [],
        "stop_on": ["acknowledge", "resolve", "cancel"],
    },
    "resolution": {
        "start_on": ["create"],
        "pause_on": ["hold"],
        "resume_on": ["resume", "reopen"],
        "stop_on": ["resolve", "cancel"],
    },
}


def targets_from_columns(apps, schema_editor):
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaTarget = apps.get_model("sla", "SlaTarget")
    SlaTarget.objects.bulk_create(
        SlaTarget(policy=policy, name=name, duration=duration, position=position, **RULES[name])
        for policy in SlaPolicy.objects.all()
        for position, (name, duration) in enumerate(
            (("response", policy.response_target), ("resolution", policy.resolution_target))
        )
    )


def delete_targets(apps, schema_editor):
    apps.get_model("sla", "SlaTarget").objects.all().delete()  # 0005 refilled the columns going back


class Migration(migrations.Migration):
    dependencies = [("sla", "0005_sla_targets_and_generic_clocks")]
    operations = [migrations.RunPython(targets_from_columns, delete_targets)]
