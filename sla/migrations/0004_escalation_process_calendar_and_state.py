"""Escalation policies per process (existing ones are incident policies) with a working calendar;
the escalation state of any record in sla.Escalation (the incident columns move here in
incidents 0003)."""

import datetime
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("catalog", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sla", "0003_workingperiod_end_after_start"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Escalation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("object_id", models.PositiveBigIntegerField()),
                (
                    "levels",
                    models.JSONField(default=list, help_text="Snapshot of the policy's levels when applied."),
                ),
                ("level", models.PositiveSmallIntegerField(default=0, help_text="Last level fired.")),
                (
                    "elapsed",
                    models.DurationField(
                        default=datetime.timedelta(0), help_text="Business time in closed segments."
                    ),
                ),
                ("running_since", models.DateTimeField(blank=True, null=True)),
                ("next_due_at", models.DateTimeField(blank=True, null=True)),
                ("applied_at", models.DateTimeField()),
            ],
        ),
        migrations.AddField(
            model_name="escalationpolicy",
            name="calendar",
            field=models.ForeignKey(
                blank=True,
                help_text="Levels count working time on this calendar. Empty: 24×7.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="escalation_policies",
                to="sla.calendar",
            ),
        ),
        migrations.AddField(
            model_name="escalationpolicy",
            name="process",
            field=models.CharField(
                help_text="The process whose records it escalates (a registered escalation adapter).",
                max_length=32,
                default="incident",  # the policies so far are all incident policies
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="escalationlevel",
            name="after",
            field=models.DurationField(
                help_text="Business time since the record was filed (on the policy's calendar, not counting time on hold), e.g. 00:05:00."
            ),
        ),
        migrations.AlterField(
            model_name="escalationpolicy",
            name="active",
            field=models.BooleanField(
                default=True, help_text="An inactive policy fires nothing, not even levels due."
            ),
        ),
        migrations.AddIndex(
            model_name="escalationpolicy",
            index=models.Index(fields=["process", "active"], name="escalation_policy_process_idx"),
        ),
        migrations.AddConstraint(
            model_name="escalationlevel",
            constraint=models.CheckConstraint(
                condition=models.Q(("after__gte", datetime.timedelta(0))),
                name="escalation_level_after_not_negative",
            ),
        ),
        migrations.AddField(
            model_name="escalation",
            name="calendar",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="sla.calendar",
            ),
        ),
        migrations.AddField(
            model_name="escalation",
            name="content_type",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="contenttypes.contenttype"
            ),
        ),
        migrations.AddField(
            model_name="escalation",
            name="policy",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="escalations",
                to="sla.escalationpolicy",
            ),
        ),
        migrations.AddIndex(
            model_name="escalation",
            index=models.Index(
                condition=models.Q(("next_due_at__isnull", False)),
                fields=["next_due_at"],
                name="escalation_due_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="escalation",
            constraint=models.UniqueConstraint(
                fields=("content_type", "object_id"), name="one_escalation_per_record"
            ),
        ),
    ]
