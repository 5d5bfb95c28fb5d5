"""The search index's pending list is kept short (incidents/search.py): set in place, no rebuild."""

import django.contrib.postgres.indexes
from django.db import migrations

INDEX = "incident_search_document_idx"


class Migration(migrations.Migration):
    dependencies = [("incidents", "0015_sla_breached_from")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="searchdocument", name=INDEX),
                migrations.AddIndex(
                    model_name="searchdocument",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fields=["document"], gin_pending_list_limit=128, name=INDEX
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"ALTER INDEX {INDEX} SET (gin_pending_list_limit = 128)",
                    reverse_sql=f"ALTER INDEX {INDEX} RESET (gin_pending_list_limit)",
                )
            ],
        )
    ]
