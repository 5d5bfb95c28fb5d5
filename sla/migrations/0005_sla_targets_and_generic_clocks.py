"""SLA policies per process with targets as rows, and SLA clocks any model can carry (content type +
object id). The data moves in 0004 and in incidents 0003; the old columns go in 0005."""

import core.processes
import datetime
import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sla", "0004_escalation_process_calendar_and_state"),
    ]

    operations = [
        migrations.CreateModel(
            name="SlaClock",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "target",
                    models.CharField(help_text="The policy target's name, e.g. response.", max_length=32),
                ),
                ("target_duration", models.DurationField()),
                (
                    "elapsed",
                    models.DurationField(
                        default=datetime.timedelta(0), help_text="Business time in closed segments."
                    ),
                ),
                ("running_since", models.DateTimeField(blank=True, null=True)),
                ("stopped_at", models.DateTimeField(blank=True, null=True)),
                ("half_at", models.DateTimeField(blank=True, null=True)),
                ("at_risk_at", models.DateTimeField(blank=True, null=True)),
                ("due_at", models.DateTimeField(blank=True, db_index=True, null=True)),
                ("warned_50_at", models.DateTimeField(blank=True, null=True)),
                ("warned_75_at", models.DateTimeField(blank=True, null=True)),
                ("breached_at", models.DateTimeField(blank=True, null=True)),
                ("next_fire_at", models.DateTimeField(blank=True, null=True)),
                ("object_id", models.PositiveBigIntegerField()),
                (
                    "rules",
                    models.JSONField(
                        blank=True, default=dict, help_text="{pause|resume|stop: [transitions]}"
                    ),
                ),
            ],
            options={
                "verbose_name": "SLA clock",
                "ordering": ["content_type_id", "object_id", "-target"],
            },
        ),
        migrations.CreateModel(
            name="SlaTarget",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.SlugField(help_text="e.g. response, resolution.", max_length=32)),
                (
                    "duration",
                    models.DurationField(help_text="e.g. 00:15:00 (business time on the policy's calendar)."),
                ),
                ("position", models.PositiveSmallIntegerField(default=0, help_text="Display order.")),
                (
                    "start_on",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=32),
                        blank=True,
                        default=list,
                        help_text="Transitions that start the clock, e.g. create.",
                        size=None,
                    ),
                ),
                (
                    "pause_on",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=32),
                        blank=True,
                        default=list,
                        help_text="Transitions that pause it, e.g. hold.",
                        size=None,
                    ),
                ),
                (
                    "resume_on",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=32),
                        blank=True,
                        default=list,
                        help_text="Transitions that run it on, keeping the elapsed time, e.g. resume, reopen.",
                        size=None,
                    ),
                ),
                (
                    "stop_on",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=32),
                        blank=True,
                        default=list,
                        help_text="Transitions that stop it, e.g. resolve, cancel.",
                        size=None,
                    ),
                ),
            ],
            options={
                "ordering": ["policy_id", "position", "name"],
            },
        ),
        migrations.AlterModelOptions(
            name="slapolicy",
            options={
                "ordering": ["process", "priority", "service__name"],
                "verbose_name": "SLA policy",
                "verbose_name_plural": "SLA policies",
            },
        ),
        migrations.RemoveConstraint(
            model_name="slapolicy",
            name="sla_policy_per_service_priority",
        ),
        migrations.RemoveConstraint(
            model_name="slapolicy",
            name="sla_default_policy_per_priority",
        ),
        migrations.AddField(
            model_name="slapolicy",
            name="process",
            field=models.CharField(
                default="incident",
                help_text="The process whose records it times.",
                max_length=32,
                validators=[core.processes.validate_process],
            ),
            preserve_default=False,  # every policy until now was an incident policy
        ),
        migrations.AddConstraint(
            model_name="slapolicy",
            constraint=models.UniqueConstraint(
                fields=("process", "priority", "service"), name="sla_policy_per_process_service_priority"
            ),
        ),
        migrations.AddConstraint(
            model_name="slapolicy",
            constraint=models.UniqueConstraint(
                condition=models.Q(("service__isnull", True)),
                fields=("process", "priority"),
                name="sla_default_policy_per_process_priority",
            ),
        ),
        migrations.AddField(
            model_name="slaclock",
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
            model_name="slaclock",
            name="content_type",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="contenttypes.contenttype"
            ),
        ),
        migrations.AddField(
            model_name="slatarget",
            name="policy",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="targets", to="sla.slapolicy"
            ),
        ),
        migrations.AddField(
            model_name="slaclock",
            name="policy_target",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="clocks",
                to="sla.slatarget",
            ),
        ),
        migrations.AddConstraint(
            model_name="slatarget",
            constraint=models.UniqueConstraint(fields=("policy", "name"), name="sla_target_name_per_policy"),
        ),
        migrations.AddConstraint(
            model_name="slatarget",
            constraint=models.CheckConstraint(
                condition=models.Q(("duration__gt", datetime.timedelta(0))),
                name="sla_target_duration_positive",
            ),
        ),
        migrations.AddIndex(
            model_name="slaclock",
            index=models.Index(
                condition=models.Q(("next_fire_at__isnull", False)),
                fields=["next_fire_at"],
                name="sla_clock_sweep_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="slaclock",
            constraint=models.UniqueConstraint(
                fields=("content_type", "object_id", "target"), name="one_sla_clock_per_record_target"
            ),
        ),
    ]
