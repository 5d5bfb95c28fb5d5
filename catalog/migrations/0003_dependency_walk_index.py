"""An index (to, from) on the dependency table: a walk towards dependents (impact analysis) reads only this
index (index-only scans), as a walk towards dependencies reads the (from, to) unique index Django made."""

from django.db import migrations

TABLE = "catalog_configurationitem_depends_on"
INDEX = "catalog_ci_dep_to_from"


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_ci_kind_index")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {INDEX} ON {TABLE} (to_configurationitem_id, from_configurationitem_id)",
            f"DROP INDEX {INDEX}",
        )
    ]
