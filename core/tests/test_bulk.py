"""core.bulk.update_rows: one UPDATE ... FROM unnest(...) for any number of rows."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.bulk import update_rows
from core.models import Event, HandlerRun

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def runs(count: int) -> list[HandlerRun]:
    event = Event.objects.create(key=f"test:bulk:{count}", type="test.pinged")
    return HandlerRun.objects.bulk_create(
        HandlerRun(event=event, handler=f"h{n}", outcome="retrying", attempts=n, next_attempt_at=T0)
        for n in range(count)
    )


@pytest.mark.parametrize("count", [1, 5, 40])
def test_each_row_gets_its_own_values_in_one_statement(count):
    rows, untouched = runs(count), runs(count + 100)[0]
    for n, row in enumerate(rows):
        row.outcome = "done" if n % 2 else "failed"
        row.attempts = n * 10
        row.next_attempt_at = None if n % 2 else T0 + timedelta(minutes=n)
        row.error = f"error {n} with 'quotes' and \n newline"
    with CaptureQueriesContext(connection) as queries:
        assert update_rows(rows, ["outcome", "attempts", "next_attempt_at", "error"]) == count
    [query] = queries.captured_queries
    assert query["sql"].startswith('UPDATE "core_handlerrun" AS t SET') and "unnest(" in query["sql"]
    stored = {row.pk: row for row in HandlerRun.objects.filter(pk__in=[row.pk for row in rows])}
    for n, row in enumerate(rows):
        got = stored[row.pk]
        assert (got.outcome, got.attempts, got.next_attempt_at, got.error) == (
            "done" if n % 2 else "failed",
            n * 10,
            None if n % 2 else T0 + timedelta(minutes=n),
            f"error {n} with 'quotes' and \n newline",
        )
        assert got.handler == f"h{n}"  # fields not named are left alone
    untouched.refresh_from_db()
    assert (untouched.outcome, untouched.attempts) == ("retrying", 0)


def test_all_null_values_and_no_rows():
    rows = runs(3)
    for row in rows:
        row.next_attempt_at = None
    assert update_rows(rows, ["next_attempt_at"]) == 3
    assert not HandlerRun.objects.filter(next_attempt_at__isnull=False).exists()
    assert update_rows([], ["next_attempt_at"]) == 0


def test_json_fields_are_refused():
    [row] = runs(1)
    with pytest.raises(ValueError, match="core.Event.payload"):
        update_rows([row.event], ["payload"])
