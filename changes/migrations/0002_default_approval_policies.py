"""The default approval policies: a normal change needs each CAB role; an emergency change one
expedited approval by the CAB operations manager. Standard changes are pre-approved (no policy)."""

from django.db import migrations

DEFAULTS = [
    dict(
        name="Normal changes: whole CAB",
        change_type="normal",
        mode="all",
        required=3,
        roles=["cab_tech_lead", "cab_product_owner", "cab_ops_manager"],
    ),
    dict(
        name="Emergency changes: expedited",
        change_type="emergency",
        mode="any",
        required=1,
        roles=["cab_ops_manager"],
    ),
]


def forwards(apps, schema_editor):
    ApprovalPolicy = apps.get_model("changes", "ApprovalPolicy")
    for values in DEFAULTS:
        ApprovalPolicy.objects.get_or_create(name=values["name"], defaults=values)


def backwards(apps, schema_editor):
    ApprovalPolicy = apps.get_model("changes", "ApprovalPolicy")
    ApprovalPolicy.objects.filter(name__in=[d["name"] for d in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("changes", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
