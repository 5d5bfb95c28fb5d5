"""Where the runs live: their own databases (`opsdesk_rel_<run>`) on the machine's PostgreSQL and Redis
database 12 (flushed at the start of each run), and the environment of the processes they start."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import env, http_bench

DATABASE_URL = os.environ.get("RELIABILITY_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/opsdesk_rel")
REDIS_URL = os.environ.get("RELIABILITY_REDIS_URL", "redis://127.0.0.1:6379/12")
SWEEP_SECONDS = 5.0  # OPSDESK_SWEEP_SECONDS, as shipped


def database_url(run: str) -> str:
    return f"{DATABASE_URL}_{run}"


def environ(run: str, **extra: str) -> dict[str, str]:
    """The environment of every process a run starts (gunicorn, workers, beat, migrate) and of the run
    itself: production settings as bench/http_bench.py runs them, on this run's database and Redis db,
    the sweeps every OPSDESK_SWEEP_SECONDS as shipped, webhooks allowed to reach this machine."""
    params = http_bench.HttpParams(
        mode=run,
        incidents=0,
        seconds=0,
        rounds=0,
        connections=0,
        workers=2,
        port=0,
        database_url=database_url(run),
        redis_url=REDIS_URL,
    )
    base = http_bench.environ(params, work_dir(run) / "var")
    base.pop("OPSDESK_BENCH_URLS")  # the benchmark's reference endpoints: not part of the app
    return {
        **base,
        "PYTHONPATH": str(env.REPO),  # this tree's code, whatever the venv has installed
        "OPSDESK_SWEEP_SECONDS": f"{SWEEP_SECONDS:g}",
        "OPSDESK_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
        **extra,
    }


def reset_and_setup(run: str, environ: dict[str, str]) -> None:
    """Drop and create this run's database, flush Redis db 12, migrate, collect the static files (production
    settings serve them from a manifest: error pages need it), then django.setup() here."""
    env.reset_database(environ["DATABASE_URL"], environ["REDIS_URL"], environ)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=env.REPO,
        env=environ,
        check=True,
    )
    env.setup_with(environ)


def work_dir(run: str) -> Path:
    path = Path(tempfile.gettempdir()) / f"opsdesk-reliability-{run}"
    path.mkdir(exist_ok=True)
    return path


def log(run: str, message: str) -> None:
    print(f"[reliability {run} {time.strftime('%H:%M:%S')}] {message}", flush=True)
