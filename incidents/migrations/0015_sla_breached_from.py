"""Store from when each incident's SLA counts as breached (`sla_breached_from`, kept by the SLA engine:
sla.states.breached_from), index it for the "SLA breached" lists, and fill it for existing incidents from
their clocks in one UPDATE (at a million incidents: one pass over the clocks, only the rows that get a
value written)."""

from django.db import migrations, models

# Per clock: the earliest of its recorded breach, its deadline while running and its stop after the
# target (LEAST skips NULLs); per incident, the earliest of its clocks'.
FILL = """
UPDATE incidents_incident AS i SET sla_breached_from = c.breached_from
FROM (SELECT object_id,
             min(least(breached_at,
                       CASE WHEN running_since IS NOT NULL THEN due_at END,
                       CASE WHEN stopped_at IS NOT NULL AND elapsed > target_duration THEN stopped_at END))
             AS breached_from
      FROM sla_slaclock WHERE content_type_id = %s GROUP BY object_id) AS c
WHERE i.id = c.object_id AND c.breached_from IS NOT NULL
"""


def fill(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type = ContentType.objects.filter(app_label="incidents", model="incident").first()
    if content_type is None:  # a fresh database: no incident, no clock
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FILL, [content_type.pk])
        cursor.execute("ANALYZE incidents_incident")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("incidents", "0014_search_document"),
        ("sla", "0007_remove_policy_target_columns"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="sla_breached_from",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                models.OrderBy(models.F("id"), descending=True),
                models.F("sla_breached_from"),
                condition=models.Q(("sla_breached_from__isnull", False)),
                name="incident_breached_id_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                condition=models.Q(
                    ("sla_breached_from__isnull", False),
                    ("status__in", ("new", "acknowledged", "in_progress", "on_hold")),
                ),
                fields=["priority", "created_at", "id"],
                include=("sla_breached_from",),
                name="incident_open_breached_idx",
            ),
        ),
        # Filled after the indexes exist: an UPDATE of an unindexed column leaves HOT chains that would keep
        # a new index unusable to every transaction already running (pg_index.indcheckxmin).
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
