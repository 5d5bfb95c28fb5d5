"""Django's PostgreSQL backend, parsing `timestamptz` values with psycopg's C loader.

Django registers a loader subclassing psycopg's *Python* timestamptz loader (to force the time zone it
wants), so every timestamp of every row is parsed by a regular expression in Python: ~6 µs each, 10-25 % of
an API list page's CPU (500-650 timestamps). With `USE_TZ` the connection's time zone is UTC (Django sets it;
OpsDesk's SQL converts with `AT TIME ZONE`, never `SET TimeZone`), and for UTC psycopg's C loader returns
what Django's does: aware datetimes in `datetime.timezone.utc`. The loader below is Django's (its
`timezone` is what `create_cursor()` compares, so Django keeps it) with the C loader's `load`. Without
psycopg's C extension, or with `USE_TZ` off, Django's own loader stays.

It also offers `connection.prepared_cursor()`: a cursor whose statements PostgreSQL prepares."""

import datetime

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base, operations
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.pq import Format

TIMESTAMPTZ = psycopg.postgres.types["timestamptz"].oid
_default = psycopg.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
C_LOADER = _default if _default is not None and _default.__module__.startswith("psycopg_") else None


class UtcTimestamptzLoader(BaseTzLoader):
    timezone = datetime.UTC

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        self.load = C_LOADER(oid, context).load


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        """For the query log: a prepared_cursor()'s statement with its values written in."""
        if isinstance(cursor, psycopg.ClientCursor):  # Django's own cursors
            return super().last_executed_query(cursor, sql, params)
        try:
            return self.compose_sql(sql, params)
        except psycopg.errors.DataError:
            return None


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def get_connection_params(self):
        params = super().get_connection_params()
        if C_LOADER is not None and settings.USE_TZ and self.timezone == datetime.UTC:
            params["context"].register_loader("timestamptz", UtcTimestamptzLoader)
        if params.get("prepare_threshold") is None:  # a number in OPTIONS["prepare_threshold"] wins
            params["prepare_threshold"] = 0  # prepared_cursor()'s statements: at their first run
        return params

    def prepared_cursor(self):
        """A cursor (as `cursor()`: logged, counted, Django's errors) whose statements PostgreSQL parses
        and plans once per connection, for the plain statements built once per process (the signed-in
        user and session, the API rows' related records, the timeline page). Django's own cursors bind
        values on the client, writing them into the SQL text, so PostgreSQL parses and plans each
        statement anew: for the small statements of a list page, as much of its CPU as running them.
        This one sends the values apart and psycopg prepares the statement on its first run on a
        connection. Only such cursors prepare: the ORM's statements (client-side binding) never are.
        Its SQL takes %s placeholders for values only (an `IN %s` of a tuple becomes `= ANY(%s)`)."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            return self._prepare_cursor(base.ServerBindingCursor(self.connection))
