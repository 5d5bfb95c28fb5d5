from django.db import migrations, models


class Migration(migrations.Migration):
    """The SLA dashboard's and CSV export's period filter: incidents created in [start, end)."""

    dependencies = [
        ("incidents", "0005_delete_incidentslaclock"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(fields=["created_at"], name="incident_created_at_idx"),
        ),
    ]
