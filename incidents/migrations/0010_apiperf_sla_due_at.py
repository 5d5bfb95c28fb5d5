"""Store each incident's soonest running SLA deadline (`sla_due_at`, kept by the SLA engine) and index it
both ways, NULLs last, for "due soonest" lists; fill it for existing incidents from their clocks."""

from django.db import migrations, models

FILL = """
UPDATE incidents_incident AS i SET sla_due_at = c.due
FROM (SELECT object_id, min(due_at) AS due FROM sla_slaclock
      WHERE content_type_id = %s AND due_at IS NOT NULL GROUP BY object_id) AS c
WHERE i.id = c.object_id
"""


def fill(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type = ContentType.objects.filter(app_label="incidents", model="incident").first()
    if content_type is None:  # a fresh database: no incident, no clock
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FILL, [content_type.pk])


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("incidents", "0009_alerts_detected_at"),
        ("sla", "0007_remove_policy_target_columns"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="sla_due_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                models.OrderBy(models.F("sla_due_at"), nulls_last=True),
                models.OrderBy(models.F("id")),
                name="incident_sla_due_id_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                models.OrderBy(models.F("sla_due_at"), descending=True, nulls_last=True),
                models.OrderBy(models.F("id"), descending=True),
                name="incident_sla_due_desc_id_idx",
            ),
        ),
        # Filled after the indexes exist: an UPDATE of an unindexed column leaves HOT chains that would keep
        # a new index unusable to every transaction already running (pg_index.indcheckxmin).
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
