"""Create the PostgreSQL database the settings point at (DATABASE_URL, default: the embedded server's)
when it does not exist yet.

Run with the settings module of the command that follows (default: opsdesk.settings.dev)."""

import os
import sys
from pathlib import Path

import psycopg
from django.conf import settings  # lazy: reads the settings module on first use
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsdesk.settings.dev")

db = settings.DATABASES["default"]
params = {key.lower(): db.get(key) for key in ("HOST", "PORT", "USER", "PASSWORD")}
params = {key: value for key, value in params.items() if value}
with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone():
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
            print(f"Created PostgreSQL database {db['NAME']}")
        except psycopg.errors.DuplicateDatabase:
            pass  # created by a concurrent run meanwhile
