"""Rows that existed before auditing began (e.g. the defaults a data migration loads, which run before
the triggers are installed) get one `baseline` snapshot, so their first audited update still shows
before → after. Idempotent: rows that already have history are left alone."""

from django.db import connections

from .models import BASELINE


def record_baselines(*, using="default", **kwargs) -> None:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    from pghistory.core import event_models

    with connection.cursor() as cursor:
        for event_model in event_models():
            if event_model._meta.app_label != "audit":
                continue
            cursor.execute(_baseline_sql(event_model, connection))


def _baseline_sql(event_model, connection) -> str:
    quote = connection.ops.quote_name
    tracked = event_model.pgh_tracked_model._meta
    tracked_columns = {field.column for field in tracked.concrete_fields}
    columns = [
        field.column
        for field in event_model._meta.concrete_fields
        if not field.name.startswith("pgh_") and field.column in tracked_columns
    ]
    copied = ", ".join(quote(column) for column in columns)
    pk = quote(tracked.pk.column)
    return f"""
        INSERT INTO {quote(event_model._meta.db_table)} ({copied}, pgh_created_at, pgh_label, pgh_obj_id)
        SELECT {copied}, NOW(), '{BASELINE}', tracked.{pk} FROM {quote(tracked.db_table)} tracked
        WHERE NOT EXISTS (
            SELECT 1 FROM {quote(event_model._meta.db_table)} event WHERE event.pgh_obj_id = tracked.{pk}
        )
    """
