"""The roll-up keeps each settled incident's assignment group and assignee (the dashboard's breakdowns).
Rows rolled up before have neither: they are dropped with the roll-up's state, so the next refresh
(hourly, or `manage.py refresh_sla_rollup`) rebuilds them all; until then the dashboard counts live."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def forget_the_rollup(apps, schema_editor):
    apps.get_model("reports", "SlaDailyOutcome").objects.all().delete()
    apps.get_model("reports", "RollupState").objects.filter(name="sla_outcomes").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("catalog", "0003_dependency_walk_index"),
        ("reports", "0002_dashboard_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(forget_the_rollup, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="sladailyoutcome",
            name="sla_daily_outcome_unique",
        ),
        migrations.AddField(
            model_name="sladailyoutcome",
            name="assignee",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="sladailyoutcome",
            name="assignment_group",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="auth.group",
            ),
        ),
        migrations.AddConstraint(
            model_name="sladailyoutcome",
            constraint=models.UniqueConstraint(
                fields=("day", "service", "priority", "target", "assignment_group", "assignee"),
                name="sla_daily_outcome_unique",
                nulls_distinct=False,
            ),
        ),
    ]
