"""Writing many rows in one statement, whatever their number.

Django's `bulk_update` writes `SET f = CASE WHEN id = 1 THEN ... WHEN id = 2 THEN ... END` per field,
a statement that grows with the batch and that PostgreSQL plans anew for every size. `update_rows`
sends each field as one array parameter instead:

    UPDATE t SET f = v.f, ... FROM unnest(%s::bigint[], %s::timestamptz[], ...) AS v(pk, f, ...)
    WHERE t.id = v.pk

one statement and one parameter per field, the same text for 5 rows or 5,000."""

from collections.abc import Sequence

from django.db import connections, models, router


def update_rows(rows: Sequence[models.Model], fields: Sequence[str]) -> int:
    """Write `fields` of `rows` (instances of one concrete model, with primary keys) in one UPDATE;
    returns the number of rows updated. Values go through each field's `get_db_prep_save`, as
    `save()` would send them; array columns, JSON and other composite types are not supported."""
    if not rows:
        return 0
    model = type(rows[0])
    meta = model._meta
    using = router.db_for_write(model)
    connection = connections[using]
    pk = meta.pk
    columns = [meta.get_field(name) for name in fields]
    for field in columns:
        if (
            not field.concrete
            or field.primary_key
            or field.get_internal_type() in {"JSONField", "ArrayField"}
        ):
            raise ValueError(f"update_rows cannot write {meta.label}.{field.name}.")
    quote = connection.ops.quote_name
    names = [f"v{index}" for index in range(len(columns))]
    arrays = [f"%s::{pk.rel_db_type(connection)}[]"]
    arrays += [f"%s::{field.db_type(connection)}[]" for field in columns]
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET "
        + ", ".join(f"{quote(field.column)} = v.{name}" for field, name in zip(columns, names, strict=True))
        + f" FROM unnest({', '.join(arrays)}) AS v(pk, {', '.join(names)})"
        + f" WHERE t.{quote(pk.column)} = v.pk"
    )
    params = [[row.pk for row in rows]]
    params += [
        [field.get_db_prep_save(getattr(row, field.attname), connection) for row in rows] for field in columns
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
