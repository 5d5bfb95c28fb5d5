"""The indexes the SLA dashboard reads through, on the incidents' and clocks' tables (created here
with IF NOT EXISTS so the incidents and sla apps' models stay as they are):

- unsettled incidents by creation (the live part of the compliance figures: neither closed nor
  cancelled);
- closed incidents by closing time (the roll-up's increments; the live part's recently closed);
- SLA clocks breached for good, latest breach first, and running clocks not yet recorded as breached,
  in the same order (the dashboard's breach list, a page at a time: reports/clock_rows.py)."""

from django.db import migrations

INDEXES = (
    (
        "reports_incident_unsettled_idx",
        "incidents_incident (created_at) "
        "WHERE status IN ('new', 'acknowledged', 'in_progress', 'on_hold', 'resolved')",
    ),
    (
        "reports_clock_breach_idx",
        "sla_slaclock (content_type_id, COALESCE(breached_at, due_at, stopped_at) DESC, object_id, target DESC) "
        "WHERE breached_at IS NOT NULL OR (stopped_at IS NOT NULL AND elapsed > target_duration)",
    ),
    (
        "reports_clock_unswept_idx",
        "sla_slaclock (content_type_id, COALESCE(breached_at, due_at, stopped_at) DESC, object_id, target DESC) "
        "WHERE breached_at IS NULL AND running_since IS NOT NULL",
    ),
    (
        "reports_incident_closed_at_idx",
        "incidents_incident (closed_at) WHERE status = 'closed'",
    ),
)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_sla_daily_outcome"),
        ("incidents", "0008_list_filter_ordering_search_indexes"),
    ]

    operations = [
        *(
            migrations.RunSQL(
                f"CREATE INDEX IF NOT EXISTS {name} ON {definition}", f"DROP INDEX IF EXISTS {name}"
            )
            for name, definition in INDEXES
        ),
    ]
