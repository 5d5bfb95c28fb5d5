"""A real Celery worker and beat as subprocesses, always stopped (SIGTERM, then SIGKILL)."""

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from .env import REPO

STOP_TIMEOUT = 30.0  # seconds a warm shutdown may take before the process group is killed
READY_TIMEOUT = 60.0


def _celery(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("celery")), "-A", "opsdesk", *args]


def stop(process: subprocess.Popen) -> None:
    """SIGTERM the process group (worker and its pool children), SIGKILL it after a timeout."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        print(f"  pid {process.pid} did not stop in {STOP_TIMEOUT:.0f} s: SIGKILL", flush=True)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # pool children that outlived their parent
    process.wait()


@contextlib.contextmanager
def worker_and_beat(
    environ: dict[str, str], log_dir: Path, queues: list[str]
) -> Iterator[dict[str, subprocess.Popen]]:
    """`celery worker --concurrency 2 -Q <queues>` and `celery beat`, each in its own process
    group, with their output in log_dir; both are stopped when the block exits, whatever happens."""
    processes: dict[str, subprocess.Popen] = {}
    schedule = Path(tempfile.mkdtemp(prefix="opsdesk-beat-")) / "celerybeat-schedule"
    commands = {
        "worker": _celery(
            "worker",
            "--concurrency",
            "2",
            "-l",
            "warning",
            "-Q",
            ",".join(queues),
            "-n",
            f"bench-{os.getpid()}@%h",
        ),
        "beat": _celery("beat", "-s", str(schedule), "-l", "warning"),
    }
    try:
        for name, command in commands.items():
            with open(log_dir / f"{name}.log", "wb") as log:
                processes[name] = subprocess.Popen(
                    command,
                    cwd=REPO,
                    env=environ,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        yield processes
    finally:
        for process in processes.values():
            stop(process)
        for leftover in schedule.parent.iterdir():
            leftover.unlink()
        schedule.parent.rmdir()


def worker_queues() -> list[str]:
    """What `make run`'s worker consumes (Procfile.dev): the queues tasks are routed to (timers
    first), then the default queue."""
    from django.conf import settings

    routed = [route["queue"] for route in getattr(settings, "CELERY_TASK_ROUTES", {}).values()]
    default = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
    return list(dict.fromkeys([*routed, default]))


def wait_for_worker(processes: dict[str, subprocess.Popen]) -> float:
    """Block until the worker answers a ping; returns the seconds it took."""
    from opsdesk.celery import app

    started = time.monotonic()
    while time.monotonic() - started < READY_TIMEOUT:
        for name, process in processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"celery {name} exited with status {process.returncode}: see its log")
        if app.control.ping(timeout=1.0):
            return time.monotonic() - started
    raise RuntimeError(f"The worker did not answer a ping within {READY_TIMEOUT:.0f} s")
