"""The benchmark's own database and broker: environment, reset, migrate, Django setup."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis
from psycopg import sql

from .config import Params

REPO = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789abcdefghijklmnop"


def dev_environ(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """Development settings on the benchmark's own database and Redis database, quiet, without DEBUG
    (DEBUG keeps every query in memory: not what production runs); `extra` variables on top."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "opsdesk.settings.dev",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "OPSDESK_LOG_LEVEL": "WARNING",
        "DJANGO_DEBUG": "0",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def prod_environ(database_url: str, redis_url: str, *, var_dir: Path, **extra: str) -> dict[str, str]:
    """Production settings, as a deployment would run them behind gunicorn on 127.0.0.1 (plain HTTP),
    on the benchmark's own database, Redis database and var folder; `extra` variables on top."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "opsdesk.settings.prod",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "OPSDESK_VAR_DIR": str(var_dir),
        "OPSDESK_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def bench_environ(params: Params) -> dict[str, str]:
    """The environment of this process and of the worker, beat and migrate subprocesses."""
    return dev_environ(
        params.database_url, params.redis_url, OPSDESK_SWEEP_SECONDS=f"{params.sweep_seconds:g}"
    )


def reset(params: Params) -> None:
    """Drop and create the database, flush the Redis database, apply the migrations."""
    reset_database(params.database_url, params.redis_url, bench_environ(params))


def reset_database(database_url: str, redis_url: str, environ: dict[str, str]) -> None:
    """Drop and create the database, flush the Redis database, migrate (run with `environ`)."""
    url = urlsplit(database_url)
    name = url.path.lstrip("/")
    conninfo = {"host": url.hostname, "port": url.port or 5432, "user": url.username or "postgres"}
    if url.password:
        conninfo["password"] = url.password
    with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    redis.Redis.from_url(redis_url).flushdb()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO, env=environ, check=True
    )


def reset_and_setup(database_url: str, redis_url: str, environ: dict[str, str]) -> None:
    """A freshly migrated database and an empty Redis database; Django set up on them in this process."""
    reset_database(database_url, redis_url, environ)
    setup_with(environ)


def django_setup(params: Params) -> None:
    setup_with(bench_environ(params))


def setup_with(environ: dict[str, str]) -> None:
    os.environ.update(environ)
    import django

    django.setup()
