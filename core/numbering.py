"""Human record numbers, one gapless sequence per process prefix: INC-000001, CHG-000001, ...

`next_number` increments the prefix's counter row with `UPDATE ... RETURNING` inside the caller's
transaction: concurrent creations queue on that row, so no two records get the same number, and a
rolled-back creation gives its number back (no gaps). The first number of a prefix continues after
the highest one already stored (records created before the counter existed keep theirs)."""

import re

from django.db import connection, models
from django.db.models.functions import Cast, Substr

from .models import NumberSequence

WIDTH = 6


def format_number(prefix: str, value: int) -> str:
    return f"{prefix}-{value:0{WIDTH}d}"


def _highest_stored(prefix: str, model: type[models.Model], field: str) -> int:
    pattern = rf"^{re.escape(prefix)}-[0-9]+$"
    numbered = model._default_manager.filter(**{f"{field}__regex": pattern})
    suffix = Cast(Substr(field, len(prefix) + 2), models.BigIntegerField())
    return numbered.aggregate(highest=models.Max(suffix))["highest"] or 0


def next_number(prefix: str, *, model: type[models.Model], field: str = "number") -> str:
    """The next number for `prefix` (e.g. "INC-000042"); call it inside the creating transaction.
    `model.field` holds the numbers already given, read once to start a new counter after them."""
    table = connection.ops.quote_name(NumberSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET last = last + 1 WHERE prefix = %s RETURNING last", [prefix])
        row = cursor.fetchone()
        if row is None:  # first use: start after the highest stored; a concurrent first use increments
            cursor.execute(
                f"INSERT INTO {table} (prefix, last) VALUES (%s, %s) "
                f"ON CONFLICT (prefix) DO UPDATE SET last = {table}.last + 1 RETURNING last",
                [prefix, _highest_stored(prefix, model, field) + 1],
            )
            row = cursor.fetchone()
    return format_number(prefix, row[0])
