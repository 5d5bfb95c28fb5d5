"""The one way OpsDesk acts on deadlines stored in the database (SLA thresholds, escalations)."""

from collections.abc import Callable
from datetime import datetime

from django.db import models, transaction


def sweep_due(
    queryset: models.QuerySet,
    *,
    due_field: str,
    now: datetime,
    batch_size: int,
    fire_batch: Callable[[list[models.Model]], int],
) -> int:
    """Claim the rows whose `due_field` has passed, soonest first, in bounded batches locked with
    FOR UPDATE SKIP LOCKED: sweepers running at once take different rows, and rows a killed worker
    held are claimed again by the next sweep. `fire_batch(rows)` runs inside the batch's
    transaction, must move each row's `due_field` past `now` (or clear it) and returns how many
    things fired; what it records commits or rolls back with the batch, which is what makes firing
    exactly-once."""
    fired = 0
    while True:
        with transaction.atomic():
            batch = list(
                queryset.select_for_update(skip_locked=True, of=("self",))
                .filter(**{f"{due_field}__lte": now})
                .order_by(due_field)[:batch_size]
            )
            if batch:
                fired += fire_batch(batch)
        if len(batch) < batch_size:
            return fired
