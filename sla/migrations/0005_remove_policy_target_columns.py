"""The policy's targets are SlaTarget rows now (0004): drop the old columns."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sla", "0004_policy_targets_from_columns")]
    operations = [
        migrations.RemoveConstraint(model_name="slapolicy", name="sla_targets_positive"),
        migrations.RemoveField(model_name="slapolicy", name="resolution_target"),
        migrations.RemoveField(model_name="slapolicy", name="response_target"),
    ]
