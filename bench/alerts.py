"""`python -m bench alerts [--quick]`: a burst of Alertmanager alerts against the running app.

10,000 alerts (quick: 2,000) in groups of 50 (one webhook body per group, each with its own
groupKey) are posted by concurrent senders to gunicorn (production settings) while a real Celery
worker and beat process them; a tenth of the bodies are posted twice, as a sender retrying would.
Measured: accepted bodies and alerts per second, p50/p99 response time, then the time until every
stored event is processed; checked: incidents == groups and 0 events lost (every accepted body
stored and processed, every alert present). See bench/RESULTS.md ("Alert ingestion")."""

import json
import os
import statistics
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .config import bench_database_url, parse_quick

DEFAULT_ALERTS_DATABASE_URL = bench_database_url("opsdesk_bench_alerts")
PROCESS_TIMEOUT = 600.0


@dataclass(frozen=True)
class AlertParams:
    mode: str
    alerts: int
    group_size: int
    senders: int
    workers: int
    port: int
    database_url: str
    redis_url: str

    @property
    def key(self) -> str:
        return f"alerts-{self.mode}"

    @property
    def groups(self) -> int:
        return -(-self.alerts // self.group_size)


def parse_params(argv: list[str]) -> AlertParams:
    quick = parse_quick(
        argv, prog="python -m bench alerts", description=__doc__, quick_help="2,000 alerts instead of 10,000"
    )
    env = os.environ.get
    return AlertParams(
        mode="quick" if quick else "full",
        alerts=int(env("BENCH_ALERTS", 2_000 if quick else 10_000)),
        group_size=int(env("BENCH_ALERTS_GROUP", 50)),
        senders=int(env("BENCH_ALERTS_SENDERS", 8)),
        workers=int(env("BENCH_HTTP_WORKERS", 2)),
        port=int(env("BENCH_ALERTS_PORT", 8091)),
        database_url=env("BENCH_ALERTS_DATABASE_URL", DEFAULT_ALERTS_DATABASE_URL),
        redis_url=env("BENCH_ALERTS_REDIS_URL", "redis://127.0.0.1:6379/11"),
    )


def environ(params: AlertParams, var_dir: Path) -> dict[str, str]:
    from .env import prod_environ

    return prod_environ(params.database_url, params.redis_url, var_dir=var_dir, OPSDESK_SWEEP_SECONDS="2")


def group_bodies(*, alerts: int, group_size: int, started: datetime) -> list[dict]:
    """Alertmanager webhook bodies (version 4): one firing group of `group_size` alerts per body."""
    bodies = []
    starts = started.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    for group in range((alerts + group_size - 1) // group_size):
        name = f"BenchAlert{group:05d}"
        count = min(group_size, alerts - group * group_size)
        items = [
            {
                "status": "firing",
                "labels": {"alertname": name, "instance": f"host-{i:03d}", "severity": "warning"},
                "annotations": {"summary": f"{name} on host-{i:03d}"},
                "startsAt": starts,
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.example/graph",
                "fingerprint": f"{group:06x}{i:06x}",
            }
            for i in range(count)
        ]
        bodies.append(
            {
                "receiver": "opsdesk",
                "status": "firing",
                "alerts": items,
                "groupLabels": {"alertname": name},
                "commonLabels": {"alertname": name, "severity": "warning"},
                "commonAnnotations": {},
                "externalURL": "http://alertmanager.example:9093",
                "version": "4",
                "groupKey": f'{{}}:{{alertname="{name}"}}',
                "truncatedAlerts": 0,
            }
        )
    return bodies


def _post(url: str, body: bytes) -> tuple[int, float]:
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.monotonic() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def _log(message: str) -> None:
    print(f"[bench alerts {time.strftime('%H:%M:%S')}] {message}", flush=True)


def _setup_integration():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from alerts import services
    from catalog.models import Service
    from core import roles

    service = Service.objects.create(name="Bench checkout", slug="bench-checkout")
    manager = get_user_model().objects.create_user("bench-manager")
    manager.groups.add(Group.objects.get(name=roles.MANAGER))
    return services.integration_create(
        actor=manager, name="Bench Alertmanager", kind="alertmanager", service=service, rate_limit=100_000
    )


def _counts() -> dict[str, int]:
    from django.db.models import Count

    from alerts.models import Alert, InboundEvent
    from incidents.models import Incident

    by_status = dict(InboundEvent.objects.values_list("status").annotate(n=Count("id")))
    return {
        "stored": sum(by_status.values()),
        "pending": by_status.get("pending", 0),
        "failed": by_status.get("failed", 0),
        "alerts": Alert.objects.count(),
        "incidents": Incident.objects.count(),
    }


def run(params: AlertParams) -> int:
    from . import env, http_load, procs

    _log(
        f"{params.mode} run: {params.alerts:,} alerts in groups of {params.group_size}, {params.senders} senders"
    )
    work = Path(tempfile.gettempdir()) / f"opsdesk-bench-{params.key}"
    work.mkdir(exist_ok=True)
    environ_ = environ(params, work / "var")
    env.reset_and_setup(params.database_url, params.redis_url, environ_)
    from . import report

    machine = report.machine()
    integration = _setup_integration()
    url = f"http://127.0.0.1:{params.port}/api/v1/integrations/{integration.key}/alertmanager/"
    bodies = group_bodies(
        alerts=params.alerts, group_size=params.group_size, started=datetime.now(UTC) - timedelta(minutes=1)
    )
    raw = [json.dumps(body).encode() for body in bodies]
    retries = raw[:: max(1, len(raw) // max(1, len(raw) // 10))][: len(raw) // 10]  # a tenth, sent again
    with (
        http_load.gunicorn(environ_, port=params.port, workers=params.workers, log=work / "gunicorn.log"),
        procs.worker_and_beat(environ_, work, procs.worker_queues()) as processes,
    ):
        procs.wait_for_worker(processes)
        _log("gunicorn and worker ready; sending")
        started = time.monotonic()
        with ThreadPoolExecutor(params.senders) as pool:
            results = list(pool.map(lambda body: _post(url, body), raw + retries))
        send_seconds = time.monotonic() - started
        accepted = sum(1 for status, _ in results if status == 202)
        _log(f"sent {len(results)} bodies in {send_seconds:.1f} s: {accepted} accepted")
        deadline = time.monotonic() + PROCESS_TIMEOUT
        while (counts := _counts())["pending"] and time.monotonic() < deadline:
            time.sleep(1.0)  # polling the worker's progress
        processed_seconds = time.monotonic() - started
    latencies = [seconds for _, seconds in results]
    lost = accepted - (counts["stored"] - counts["pending"] - counts["failed"])
    ok = (
        accepted == len(results)
        and counts["incidents"] == params.groups
        and counts["alerts"] == params.alerts
        and lost == 0
        and counts["pending"] == 0
        and counts["failed"] == 0
    )
    statuses = sorted({status for status, _ in results})
    text = "\n".join(
        [
            f"### Alert ingestion, {params.mode} ({'OK' if ok else 'FAILED'})",
            "",
            f"{machine['date']}, {machine['cpu']}, PostgreSQL {machine['PostgreSQL']}, {machine['tree']}: "
            f"gunicorn {params.workers} sync workers (production settings), one Celery worker (concurrency 2) "
            f"and beat, {params.senders} concurrent senders.",
            "",
            "| measure | value |",
            "|---|---|",
            f"| alerts / groups (bodies of {params.group_size}) | {params.alerts:,} / {params.groups:,} |",
            f"| bodies sent (incl. {len(retries)} retried) | {len(results):,} (statuses {statuses}) |",
            f"| accepted | {accepted:,} in {send_seconds:.1f} s: **{accepted / send_seconds:.0f} bodies/s, "
            f"{params.alerts / send_seconds:,.0f} alerts/s** |",
            f"| response time p50 / p99 / max | {statistics.median(latencies) * 1000:.0f} / "
            f"{percentile(latencies, 0.99) * 1000:.0f} / {max(latencies) * 1000:.0f} ms |",
            f"| all processed after | {processed_seconds:.1f} s ({params.alerts / processed_seconds:,.0f} alerts/s end to end) |",
            f"| incidents created (must equal groups) | {counts['incidents']:,} (groups {params.groups:,}) |",
            f"| alerts stored | {counts['alerts']:,} |",
            f"| events lost / pending / failed | {lost} / {counts['pending']} / {counts['failed']} |",
        ]
    )
    print(text, flush=True)
    report.write_block(params.key, text)
    _log(f"wrote {report.RESULTS}")
    return 0 if ok else 1


def main(argv: list[str]) -> int:
    return run(parse_params(argv))
