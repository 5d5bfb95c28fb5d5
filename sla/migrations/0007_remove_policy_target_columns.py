"""The policy's targets are SlaTarget rows now (0004): drop the old columns. Reversible: going back
refills them from the targets before they become NOT NULL again."""

from django.db import migrations, models


def noop(apps, schema_editor):
    pass


def fill_columns(apps, schema_editor):
    SlaTarget = apps.get_model("sla", "SlaTarget")
    for target in SlaTarget.objects.filter(name__in=("response", "resolution")).select_related("policy"):
        setattr(target.policy, f"{target.name}_target", target.duration)
        target.policy.save(update_fields=[f"{target.name}_target"])


class Migration(migrations.Migration):
    dependencies = [("sla", "0006_policy_targets_from_columns")]
    operations = [
        migrations.AlterField(
            model_name="slapolicy", name="response_target", field=models.DurationField(null=True)
        ),
        migrations.AlterField(
            model_name="slapolicy", name="resolution_target", field=models.DurationField(null=True)
        ),
        migrations.RunPython(noop, fill_columns),
        migrations.RemoveConstraint(model_name="slapolicy", name="sla_targets_positive"),
        migrations.RemoveField(model_name="slapolicy", name="resolution_target"),
        migrations.RemoveField(model_name="slapolicy", name="response_target"),
    ]
