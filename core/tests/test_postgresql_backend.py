"""core/postgresql: timestamps read through psycopg's C loader are what Django's own loader gives, aware
datetimes in UTC, on every kind of cursor."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

pytestmark = pytest.mark.django_db

INSTANTS = [
    datetime.datetime(2026, 3, 29, 0, 30, 0, 123456, tzinfo=datetime.UTC),  # a DST night in Europe
    datetime.datetime(1969, 7, 20, 20, 17, 40, tzinfo=datetime.UTC),
    datetime.datetime(2099, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.UTC),
]


def test_instants_come_back_equal_and_in_utc():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::timestamptz, %s::timestamptz, %s::timestamptz, '2026-06-01 12:00:00+02'::timestamptz",
            INSTANTS,
        )
        row = cursor.fetchone()
    assert list(row[:3]) == INSTANTS
    assert row[3] == datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)
    assert all(value.tzinfo is datetime.UTC for value in row)


def test_models_and_server_side_cursors_read_the_same_instants():
    user = get_user_model().objects.create(
        username="tz-check", date_joined=INSTANTS[0], last_login=INSTANTS[1]
    )
    read = get_user_model().objects.filter(pk=user.pk).values_list("date_joined", "last_login")
    assert list(read.get()) == INSTANTS[:2]
    streamed = list(read.iterator(chunk_size=1))  # a named (server-side) cursor
    assert list(streamed[0]) == INSTANTS[:2]
    assert all(value.tzinfo is datetime.UTC for value in streamed[0])
