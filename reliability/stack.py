"""The processes a run starts, each in its own process group and always stopped: Celery workers (the
commands of Procfile.dev, or given), Celery beat, and `kill -9` of the workers with a restart."""

import contextlib
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench.env import REPO
from bench.procs import _celery, stop

from . import procfile

READY_TIMEOUT = 90.0


class Stack:
    """Workers (by name → command) and one beat, logging to `log_dir`; `kill_workers()` SIGKILLs every
    worker's process group (the worker and its pool children, as an OOM killer or a lost host would)."""

    def __init__(self, environ: dict[str, str], log_dir: Path, workers: dict[str, str]):
        self.environ, self.log_dir, self.workers = environ, log_dir, workers
        self.processes: dict[str, subprocess.Popen] = {}
        self.starts: dict[str, int] = {}
        self.schedule_dir = Path(tempfile.mkdtemp(prefix="opsdesk-rel-beat-"))

    def _spawn(self, name: str, command: list[str]) -> None:
        self.starts[name] = self.starts.get(name, 0) + 1
        with open(self.log_dir / f"{name}.log", "ab") as log:
            log.write(f"\n==== start {self.starts[name]}: {' '.join(command)}\n".encode())
            log.flush()
            self.processes[name] = subprocess.Popen(
                command,
                cwd=REPO,
                env=self.environ,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start_workers(self) -> None:
        for name, command in self.workers.items():
            self._spawn(name, procfile.argv(command, node=f"rel-{name}-{os.getpid()}"))

    def start_beat(self) -> None:
        schedule = self.schedule_dir / "celerybeat-schedule"
        self._spawn("beat", _celery("beat", "-s", str(schedule), "-l", "warning"))

    def start(self) -> float:
        self.start_workers()
        self.start_beat()
        return self.wait_ready()

    def wait_ready(self) -> float:
        """Block until every worker answers a ping; returns the seconds it took."""
        from opsdesk.celery import app

        started = time.monotonic()
        while time.monotonic() - started < READY_TIMEOUT:
            self.check_alive()
            if len(app.control.ping(timeout=1.0)) >= len(self.workers):
                return time.monotonic() - started
        raise RuntimeError(f"The workers did not all answer a ping within {READY_TIMEOUT:.0f} s")

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with status {process.returncode}: see {self.log_dir}")

    def kill_workers(self) -> None:
        """`kill -9` of every worker (its whole process group), then wait for them to be gone."""
        for name in self.workers:
            process = self.processes.pop(name)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop_workers(self) -> None:
        for name in self.workers:
            if name in self.processes:
                stop(self.processes.pop(name))

    def stop(self) -> None:
        for process in self.processes.values():
            stop(process)
        self.processes.clear()
        for leftover in self.schedule_dir.iterdir():
            leftover.unlink()

    def close(self) -> None:
        self.stop()
        self.schedule_dir.rmdir()


@contextlib.contextmanager
def stack(environ: dict[str, str], log_dir: Path, workers: dict[str, str]) -> Iterator[Stack]:
    """A `Stack`, stopped (warm shutdown, then SIGKILL) when the block exits, whatever happens."""
    running = Stack(environ, log_dir, workers)
    try:
        yield running
    finally:
        running.close()
