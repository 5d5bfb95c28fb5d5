"""Fixtures for tests that need a real Celery worker on the real broker (REDIS_URL).

Use them with `@pytest.mark.worker` and `@pytest.mark.django_db(transaction=True)`: the worker runs
in threads of this process with their own database connections, so it sees committed rows only.
(The root conftest's `reference_data` fixture restores the role groups and SLA defaults that the
previous transactional test's flush removed.)

    def test_something(celery_worker, wait_until):
        ...commit something that nudges a task...
        wait_until(lambda: Thing.objects.filter(done=True).exists())
"""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from opsdesk.celery import app as celery_app

WAIT_TIMEOUT = 20.0  # seconds: a bound on waiting for a real worker, not a timing assertion
WORKER_START_TIMEOUT = 60.0
WORKER_STOP_TIMEOUT = 30.0
REPO = Path(__file__).resolve().parents[2]


def purge_broker_queue() -> int:
    """Drop messages left in the queues by earlier runs or other tests."""
    with celery_app.connection_for_write() as connection:
        channel = connection.default_channel
        return sum(
            channel.queue_purge(queue) or 0
            for queue in (celery_app.conf.task_default_queue, settings.TIMERS_QUEUE)
        )


@pytest.fixture(autouse=True)
def closed_nudge_breaker():
    """Each test starts with nudges going out: a broker failure simulated by an earlier test must
    not make this one's nudges skip (the worker threads share this process's breaker)."""
    from core import nudge

    nudge.breaker.reset()
    yield
    nudge.breaker.reset()


def _check_broker() -> None:
    if not str(celery_app.conf.broker_url).startswith("redis://"):
        pytest.fail(f"The worker tests need Redis (REDIS_URL); the broker is {celery_app.conf.broker_url!r}.")
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as error:
        pytest.fail(f"The broker at {celery_app.conf.broker_url} does not answer: {error}")
    os.environ.setdefault("CELERY_SKIP_CHECKS", "1")  # the Django checks ran already in this process
    celery_app.loader.import_default_modules()  # the autodiscovered tasks of every app


def _worker(queues: list[str], **options):
    """A started worker (threads pool) consuming `queues` of the real broker."""
    return start_worker(
        celery_app,
        queues=queues,
        pool="threads",
        perform_ping_check=False,
        shutdown_timeout=options.pop("shutdown_timeout", 10),
        loglevel="WARNING",
        **options,
    )


@pytest.fixture
def celery_worker(transactional_db):
    """A started worker (threads pool, 2 threads) consuming the real broker; stopped afterwards."""
    _check_broker()
    purge_broker_queue()
    with _worker([settings.TIMERS_QUEUE, celery_app.conf.task_default_queue], concurrency=2) as worker:
        yield worker
    purge_broker_queue()


def _database_url() -> str:
    """The test database, for a worker in another process."""
    from django.db import connection

    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextlib.contextmanager
def worker_process(queues: list[str], *, name: str, environ: dict[str, str], log: Path):
    """`celery worker -Q <queues>` (prefork, 2 processes) as in production, in its own process
    group, on the test database and broker; stopped (SIGTERM, then SIGKILL) when the block exits."""
    command = [
        str(Path(sys.executable).with_name("celery")),
        "-A",
        "opsdesk",
        "worker",
        "-l",
        "info",
        "--concurrency",
        "2",
        "-Q",
        ",".join(queues),
        "-n",
        f"{name}@%h",
    ]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "opsdesk.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": str(celery_app.conf.broker_url),
        "CELERY_SKIP_CHECKS": "1",
        "PYTHONPATH": str(REPO),
        **environ,
    }
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while b" ready." not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"worker {name} did not start: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(WORKER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def split_workers(transactional_db, tmp_path):
    """The production topology (Procfile.dev, docker compose): a worker for the `timers` queue
    (deadline sweeps, event dispatch; here in threads of this process, as `celery_worker`) and a
    separate worker process for the default queue (deliveries: emails, webhooks), which gets this
    process's webhook settings through its environment (override them before this fixture).
    (Two workers cannot share one process: kombu's event loop is one per process.)"""
    _check_broker()
    purge_broker_queue()
    environ = {
        "OPSDESK_WEBHOOK_ALLOWED_NETWORKS": settings.NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS,
        "OPSDESK_WEBHOOK_TIMEOUT": str(settings.NOTIFICATIONS_WEBHOOK_TIMEOUT),
    }
    with (
        worker_process(
            [celery_app.conf.task_default_queue],
            name="delivery",
            environ=environ,
            log=tmp_path / "delivery.log",
        ) as delivery,
        _worker([settings.TIMERS_QUEUE], concurrency=2, hostname="timers@test") as timers,
    ):
        yield timers, delivery
    purge_broker_queue()


class Beat(threading.Thread):
    """Sends the beat schedule's sweep entries (those every OPSDESK_SWEEP_SECONDS), with their
    options (expiry) and routes, every `period` seconds, as `celery beat` does; a thread, so a test
    needs no schedule file or extra process."""

    def __init__(self, period: float):
        super().__init__(daemon=True)
        self.period = period
        self.stopped = threading.Event()
        self.entries = [
            entry
            for entry in settings.CELERY_BEAT_SCHEDULE.values()
            if entry["schedule"] == settings.OPSDESK_SWEEP_SECONDS
        ]

    def run(self) -> None:
        while True:
            for entry in self.entries:
                celery_app.send_task(entry["task"], **entry.get("options", {}))
            if self.stopped.wait(self.period):
                return


@pytest.fixture
def beat():
    """The sweeps, sent every OPSDESK_SWEEP_SECONDS as in production, until the test ends."""
    ticker = Beat(settings.OPSDESK_SWEEP_SECONDS)
    ticker.start()
    yield ticker
    ticker.stopped.set()
    ticker.join()


@pytest.fixture
def wait_until() -> Callable[..., None]:
    """Poll `condition()` until it is true, failing after `timeout` seconds."""

    def wait(condition: Callable[[], object], *, timeout: float = WAIT_TIMEOUT, message: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.05)
        pytest.fail(message or f"Condition not met within {timeout:.0f} s: {condition}")

    return wait
