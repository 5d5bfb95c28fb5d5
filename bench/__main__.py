"""`python -m bench [--quick]`: the SLA-engine benchmark; `python -m bench http [--quick]`: the HTTP
benchmark (bench/http_bench.py); `python -m bench alerts [--quick]`: a burst of Alertmanager alerts
(bench/alerts.py); `python -m bench cmdb [--quick]`: the CMDB graph (bench/cmdb.py); `python -m bench changes
[--quick]`: the change collision check (bench/changes.py); `python -m bench outage [--quick]`: API
create latency with the broker up and down (bench/outage.py); `python -m bench profile METHOD PATH`: where
one request's time goes, on the HTTP benchmark's database (bench/profile.py).
See bench/RESULTS.md."""

import contextlib
import importlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import redis

from . import env
from .config import Params, parse_params

if TYPE_CHECKING:
    from .report import Sample

POLL_SECONDS = 2.0
PRINT_EVERY = 10.0


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def _watch(
    params: Params,
    processes: dict[str, subprocess.Popen],
    queues: list[str],
    *,
    first_due: float,
    give_up: float,
) -> tuple[bool, list["Sample"], float]:
    """Poll until every resolution clock has fired or `give_up` (monotonic) passes."""
    from . import measure
    from .report import Sample

    broker = redis.Redis.from_url(params.redis_url)
    samples: list[Sample] = []
    last_print = 0.0
    while True:
        for name, process in processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"celery {name} died (status {process.returncode}) during the run")
        total, fired, due = measure.progress()
        pending = measure.outbox_pending()
        now = time.monotonic()
        samples.append(
            Sample(now - first_due, due, fired, sum(broker.llen(queue) for queue in queues), pending)
        )
        if now - last_print >= PRINT_EVERY or fired == total:
            last_print = now
            s = samples[-1]
            _log(
                f"t={s.t:+6.0f}s due {due:,} fired {fired:,}/{total:,} backlog {due - fired:,}"
                f" queue {s.queue:,} outbox pending {pending:,}"
            )
        if fired == total:
            return True, samples, now - first_due
        if now > give_up:
            return False, samples, now - first_due
        time.sleep(POLL_SECONDS)


def _seed_overdue(seed: ModuleType, fixtures: object, count: int) -> datetime:
    """`count` clocks due about an hour ago, before anything the run left pending; returns an
    instant after them and before the rest, for a sweep to fire exactly these."""
    from django.utils import timezone

    cutoff = timezone.now() - timedelta(seconds=3500)
    seed.seed_incidents(fixtures, count=count, due_from=-3600, due_to=-3540, seed=random.random())
    return cutoff


@contextlib.contextmanager
def _delivery_worker(environ: dict[str, str], log_dir: Path, queue: str) -> Iterator[subprocess.Popen]:
    """The topology of `make run` (Procfile.dev) and docker compose: beside the worker of
    `procs.worker_and_beat`, which consumes only the routed queues (`timers`: deadline sweeps and
    event dispatch), a second worker consumes the default queue (deliveries: emails, webhooks)."""
    from . import procs

    command = procs._celery(
        "worker", "--concurrency", "2", "-l", "warning", "-Q", queue, "-n", f"bench-delivery-{os.getpid()}@%h"
    )
    with open(log_dir / "delivery.log", "wb") as log:
        process = subprocess.Popen(
            command, cwd=env.REPO, env=environ, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        procs.stop(process)


def run(params: Params) -> int:
    _log(f"{params.mode} run: {params.incidents:,} incidents, deadlines over {params.spread_minutes:g} min")
    env.reset(params)
    env.django_setup(params)
    from . import measure, procs, report, seed

    machine = report.machine()
    spread = params.spread_minutes * 60
    seed.check_spread(latest_due_seconds=params.lead_seconds + spread)
    started = time.monotonic()
    first_due = started + params.lead_seconds
    fixtures = seed.seed_people(teams=params.teams, email=params.email)
    seed.seed_incidents(
        fixtures, count=params.incidents, due_from=params.lead_seconds, due_to=params.lead_seconds + spread
    )
    seed.vacuum_analyze()
    seed_seconds = time.monotonic() - started
    _log(f"seeded in {seed_seconds:.1f} s")
    idle_before = measure.idle_sweep(params.idle_sweeps)
    _log(f"idle sweep before the run: {idle_before.mean_ms:.2f} ms mean")

    log_dir = Path(tempfile.gettempdir()) / f"opsdesk-bench-{params.mode}"
    log_dir.mkdir(exist_ok=True)
    queues = procs.worker_queues()
    with (
        procs.worker_and_beat(env.bench_environ(params), log_dir, queues[:-1]) as timers,
        _delivery_worker(env.bench_environ(params), log_dir, queues[-1]) as delivery,
    ):
        processes = {**timers, "delivery": delivery}
        ready = procs.wait_for_worker(processes)
        _log(
            f"worker ready in {ready:.1f} s (logs in {log_dir}); first deadline in {first_due - time.monotonic():.0f} s"
        )
        if time.monotonic() > first_due:
            _log("WARNING: the first deadlines passed before the worker was ready: raise BENCH_LEAD_SECONDS")
        finished, samples, wall = _watch(
            params, processes, queues, first_due=first_due, give_up=first_due + spread + params.margin_seconds
        )
        _log("stopping worker and beat")
    if not finished:
        _log(f"FAILED: not every deadline fired within {params.margin_seconds:g} s after the last one")

    figures = measure.run_figures(spread_seconds=spread)
    idle_after = measure.idle_sweep(params.idle_sweeps)
    profile = None
    if params.profile_incidents:
        _log(
            f"timing, then profiling, one in-process sweep firing {params.profile_incidents:,} overdue clocks"
        )
        profile = measure.profile_sweeps(lambda: _seed_overdue(seed, fixtures, params.profile_incidents))
        redis.Redis.from_url(params.redis_url).flushdb()  # the profiled sweep's nudges: no worker now
    outcome = report.Outcome(
        params=params,
        machine=machine,
        finished=finished,
        seed_seconds=seed_seconds,
        worker_ready_seconds=ready,
        wall_seconds=wall,
        samples=samples,
        figures=figures,
        idle_before=idle_before,
        idle_after=idle_after,
        profile=profile,
    )
    report.write(outcome)
    print(report.summary(outcome), flush=True)
    _log(f"wrote {report.RESULTS}")
    return 0 if outcome.ok else 1


def main(argv: list[str] | None = None) -> int:
    # Ctrl-C and SIGTERM unwind through the finally blocks that stop the worker and beat.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    argv = sys.argv[1:] if argv is None else argv
    benchmarks = {
        "http": "http_bench",
        "alerts": "alerts",
        "changes": "changes",
        "cmdb": "cmdb",
        "outage": "outage",
        "profile": "profile",
    }
    if argv[:1] and argv[0] in benchmarks:
        module = importlib.import_module(f".{benchmarks[argv[0]]}", __package__)
        return module.main(argv[1:])
    return run(parse_params(argv))


if __name__ == "__main__":
    sys.exit(main())
