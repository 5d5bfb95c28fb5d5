"""Django's PostgreSQL backend, parsing `timestamptz` values with psycopg's C loader.

Django registers a loader subclassing psycopg's *Python* timestamptz loader (to force the time zone it
wants), so every timestamp of every row is parsed by a regular expression in Python: ~6 µs each, 10-25 % of
an API list page's CPU (500-650 timestamps). With `USE_TZ` the connection's time zone is UTC (Django sets it;
OpsDesk's SQL converts with `AT TIME ZONE`, never `SET TimeZone`), and for UTC psycopg's C loader returns
what Django's does: aware datetimes in `datetime.timezone.utc`. The loader below is Django's (its
`timezone` is what `create_cursor()` compares, so Django keeps it) with the C loader's `load`. Without
psycopg's C extension, or with `USE_TZ` off, Django's own loader stays."""

import datetime

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base
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


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        if C_LOADER is not None and settings.USE_TZ and self.timezone == datetime.UTC:
            params["context"].register_loader("timestamptz", UtcTimestamptzLoader)
        return params
