"""Reads whose statement never changes (no value from the request, e.g. every service by name): the ORM
compiles the queryset once per process and each call only runs its SQL. For a small list compiling was
most of the cost (~0.3-0.8 ms of CPU against ~0.1 ms for PostgreSQL), and the queue page shows three."""

from collections.abc import Callable

from django.db import connection
from django.db.models import QuerySet
from django.db.models.query import ValuesListIterable


class FixedRead:
    """`FixedRead(lambda: queryset.values_list(...))()`: the queryset's rows as tuples. Only for
    `values_list()` of columns read as stored (ids, names), whose SQL and parameters depend on
    nothing but the code: it is built once, on first use."""

    def __init__(self, build: Callable[[], QuerySet]):
        self._build = build
        self._statement: tuple[str, tuple] | None = None

    def __call__(self) -> list[tuple]:
        if self._statement is None:
            queryset = self._build()
            if queryset._iterable_class is not ValuesListIterable:
                raise TypeError("FixedRead reads values_list() querysets (plain tuples)")
            self._statement = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(*self._statement)
            return cursor.fetchall()
