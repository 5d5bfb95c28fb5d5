"""`python -m bench outage [--quick]`: API create latency with the broker up, and with the broker
gone (its URL pointing at a closed port: every nudge's connection is refused, as when Redis is
stopped), each served by its own gunicorn over the same database, measured in interleaved rounds.
Goal (issue #11): a create during a broker outage as fast as normally, within 2x (p50 and req/s).
See bench/RESULTS.md ("Broker outage")."""

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from statistics import median

from .config import bench_database_url, parse_quick

GOAL_RATIO = 2.0


@dataclass(frozen=True)
class OutageParams:
    mode: str  # "full" or "quick"
    incidents: int  # seeded first, so creates land in a table of a realistic size
    seconds: float  # wrk duration per server and round
    rounds: int
    connections: int
    workers: int  # gunicorn sync workers per server
    port: int  # broker up; port + 1: broker down
    database_url: str
    redis_url: str

    @property
    def key(self) -> str:
        return f"outage-{self.mode}"


def parse_params(argv: list[str]) -> OutageParams:
    quick = parse_quick(
        argv,
        prog="python -m bench outage",
        description=__doc__,
        quick_help="10,000 incidents, 3 rounds of 5 s",
    )
    env = os.environ.get
    return OutageParams(
        mode="quick" if quick else "full",
        incidents=int(env("BENCH_OUTAGE_INCIDENTS", 10_000 if quick else 100_000)),
        seconds=float(env("BENCH_OUTAGE_SECONDS", 5 if quick else 10)),
        rounds=int(env("BENCH_OUTAGE_ROUNDS", 3 if quick else 5)),
        connections=int(env("BENCH_OUTAGE_CONNECTIONS", 4)),
        workers=int(env("BENCH_OUTAGE_WORKERS", 2)),
        port=int(env("BENCH_OUTAGE_PORT", 8093)),
        database_url=env("BENCH_OUTAGE_DATABASE_URL", bench_database_url("opsdesk_bench_outage")),
        redis_url=env("BENCH_OUTAGE_REDIS_URL", "redis://127.0.0.1:6379/13"),
    )


def _log(message: str) -> None:
    print(f"[bench outage {time.strftime('%H:%M:%S')}] {message}", flush=True)


def closed_port_url() -> str:
    """A Redis URL where nothing listens: connections are refused at once, as with Redis stopped."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{probe.getsockname()[1]}/0"


def render(params: OutageParams, machine: dict[str, str], runs: dict[str, list], seed_seconds: float) -> str:
    up = runs["broker up"]
    lines = [
        f"#### {params.mode.capitalize()} run: API create, {params.incidents:,} incidents seeded",
        "",
        *(f"- {key}: {value}" for key, value in machine.items()),
        f"- two gunicorns ({params.workers} sync workers each, `opsdesk.settings.prod`), one with the broker"
        f" up, one with REDIS_URL at a closed port; wrk {params.connections} connections, {params.rounds}"
        f" rounds × {params.seconds:g} s each, interleaved; seeding took {seed_seconds:.0f} s",
        "",
        "| broker | req/s | p50 | p99 | ratio of req/s to broker up | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, series in runs.items():
        requests, seconds = sum(r.requests for r in series), sum(r.seconds for r in series)
        ratio = median(d.rate / u.rate for d, u in zip(series, up, strict=True) if u.rate)
        lines.append(
            f"| {name} | {requests / seconds:,.1f} | {median(r.p50_ms for r in series):.0f} ms"
            f" | {max(r.p99_ms for r in series):.0f} ms | {ratio:.2f}× | {sum(r.non2xx + r.errors for r in series):,} |"
        )
    lines += [
        "",
        f"Goal: within {GOAL_RATIO:g}× of normal (p50, req/s): **{'met' if ok(runs) else 'NOT met'}**.",
    ]
    return "\n".join(lines)


def ok(runs: dict[str, list]) -> bool:
    up, down = runs["broker up"], runs["broker down"]
    p50_up, p50_down = median(r.p50_ms for r in up), median(r.p50_ms for r in down)
    rate_up = sum(r.requests for r in up) / sum(r.seconds for r in up)
    rate_down = sum(r.requests for r in down) / sum(r.seconds for r in down)
    errors = sum(r.non2xx + r.errors for series in runs.values() for r in series)
    return errors == 0 and p50_down <= GOAL_RATIO * p50_up and rate_down * GOAL_RATIO >= rate_up


def run(params: OutageParams) -> int:
    from . import env, http_bench, http_load

    _log(f"{params.mode} run: {params.rounds} rounds of {params.seconds:g} s per server")
    work = Path(tempfile.gettempdir()) / f"opsdesk-bench-{params.key}"
    work.mkdir(exist_ok=True)
    environ_up = http_bench.environ(params, work / "var")  # reads database_url and redis_url
    environ_down = {**environ_up, "REDIS_URL": closed_port_url()}
    wrk = http_load.ensure_wrk()
    env.reset_database(params.database_url, params.redis_url, environ_up)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=env.REPO,
        env=environ_up,
        check=True,
    )
    env.setup_with(environ_up)
    from . import report, seed
    from .http_seed import seed_http_incidents

    machine = report.machine()
    started = time.monotonic()
    fixtures = seed.seed_people(teams=10, email=False)
    seed_http_incidents(fixtures, count=params.incidents)
    seed.vacuum_analyze()
    seed_seconds = time.monotonic() - started
    _log(f"seeded {params.incidents:,} incidents in {seed_seconds:.0f} s")
    token, _ = http_bench._credentials(fixtures)
    create = {"title": "Bench create", "service": fixtures.service_ids[0], "impact": 2, "urgency": 2}
    request = http_load.Request("/api/v1/incidents/", "POST", json.dumps(create), f"Token {token}")
    runs: dict[str, list] = {"broker up": [], "broker down": []}
    with contextlib.ExitStack() as stack:
        servers = {
            "broker up": stack.enter_context(
                http_load.gunicorn(environ_up, port=params.port, workers=params.workers, log=work / "up.log")
            ),
            "broker down": stack.enter_context(
                http_load.gunicorn(
                    environ_down, port=params.port + 1, workers=params.workers, log=work / "down.log"
                )
            ),
        }
        for name, base in servers.items():  # warm up; one request each must succeed
            status, seconds, _ = http_load.fetch(base, request)
            _log(f"{name}: one create {status} in {seconds * 1000:.0f} ms")
            if status != 201:
                raise RuntimeError(f"{name}: a create answered {status}; see {work}")
        for number in range(1, params.rounds + 1):
            for name, base in servers.items():
                result = http_load.wrk(
                    wrk, base, request, seconds=params.seconds, connections=params.connections, ids=(1, 1)
                )
                http_load.drain(base, params.workers)
                runs[name].append(result)
                _log(f"round {number} {name}: {result.rate:.1f} req/s p50 {result.p50_ms:.0f} ms")
    text = render(params, machine, runs, seed_seconds)
    print(text, flush=True)
    report.write_block(params.key, text)
    _log(f"wrote {report.RESULTS}")
    return 0 if ok(runs) else 1


def main(argv: list[str]) -> int:
    return run(parse_params(argv))
