import datetime

from django.db import migrations, models


def refuse_bad_periods(apps, schema_editor):
    """Deletes nothing: names the periods an operator must fix (or delete) before migrating."""
    WorkingPeriod = apps.get_model("sla", "WorkingPeriod")
    bad = (
        WorkingPeriod.objects.exclude(end=datetime.time(0))
        .filter(end__lte=models.F("start"))
        .select_related("calendar")
        .order_by("calendar__name", "weekday", "start")
    )
    if bad.exists():
        days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
        listed = "; ".join(
            f"id {p.pk}: calendar '{p.calendar.name}', {days[p.weekday]} {p.start:%H:%M}–{p.end:%H:%M}"
            for p in bad
        )
        raise RuntimeError(
            "These working periods end before they start, which the new check constraint forbids. "
            f"Fix their times (00:00 means midnight at the end of the day) or delete them, then migrate again: {listed}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0002_defaults"),
    ]

    operations = [
        migrations.RunPython(refuse_bad_periods, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="workingperiod",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("end__gt", models.F("start")), ("end", datetime.time(0, 0)), _connector="OR"
                ),
                name="working_period_end_after_start",
                violation_error_message="End must be after start (00:00 means midnight at the end of the day).",
            ),
        ),
    ]
