"""`python -m bench changes [--quick]`: the change collision check (changes.scheduling.change_conflicts) on
a CMDB of 10,000 CIs / ~30,000 dependency edges and 5,000 changes scheduled over the next 90 days, each
touching 1–5 CIs (quick: 2,000 CIs, 1,000 changes, 20 runs). Times the conflict check of a change
touching 50 CIs in a new 4-hour window each run: p50/p99 over 100 runs (goal p99 < 200 ms). Writes its
section of bench/RESULTS.md ("Change collision benchmark").

The CMDB comes from bench/cmdb.py's `seed_cis` (the CMDB benchmark's layered shape) when it exists,
else from `_seed_cis_standin` below (the same layers, fewer details)."""

import argparse
import math
import os
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from .config import DEFAULT_DATABASE_URL

DEFAULT_CHANGES_DATABASE_URL = DEFAULT_DATABASE_URL.rsplit("/", 1)[0] + "/opsdesk_bench_changes"
GOAL_MS = 200.0
TOUCHED = 50  # CIs of the change whose conflicts are checked
HORIZON_DAYS = 90
IMPLEMENTERS = 60


@dataclass(frozen=True)
class Params:
    mode: str
    cis: int
    changes: int
    runs: int
    database_url: str
    redis_url: str


def parse_params(argv: list[str]) -> Params:
    parser = argparse.ArgumentParser(prog="python -m bench changes", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2,000 CIs, 1,000 changes, 20 runs")
    quick = parser.parse_args(argv).quick
    env = os.environ.get
    return Params(
        mode="quick" if quick else "full",
        cis=int(env("BENCH_CHANGES_CIS", 2_000 if quick else 10_000)),
        changes=int(env("BENCH_CHANGES_COUNT", 1_000 if quick else 5_000)),
        runs=int(env("BENCH_CHANGES_RUNS", 20 if quick else 100)),
        database_url=env("BENCH_CHANGES_DATABASE_URL", DEFAULT_CHANGES_DATABASE_URL),
        redis_url=env("BENCH_CHANGES_REDIS_URL", "redis://127.0.0.1:6379/13"),
    )


def environ(params: Params) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "opsdesk.settings.dev",
        "DATABASE_URL": params.database_url,
        "REDIS_URL": params.redis_url,
        "OPSDESK_LOG_LEVEL": "WARNING",
        "DJANGO_DEBUG": "0",  # DEBUG keeps every query in memory
        "PYTHONUNBUFFERED": "1",
    }


def _log(message: str) -> None:
    print(f"[bench changes {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- seeding ---------------------------------------------------------------------------------------

# Bottom up: (prefix, kind, share of the CIs, {lower layer: dependencies on it}); ~3 edges per CI.
_LAYERS = (
    ("sw", "network", 0.006, {}),
    ("san", "storage", 0.014, {"sw": 2}),
    ("host", "server", 0.03, {"sw": 2, "san": 1}),
    ("vm", "vm", 0.27, {"host": 1, "san": 1}),
    ("db", "database", 0.15, {"vm": 2, "san": 1}),
    ("appsrv", "container", 0.28, {"vm": 2, "sw": 1}),
    ("app", "application", 0.25, {"appsrv": 2, "db": 1}),
)


def _seed_cis_standin(count: int) -> list[int]:
    """A layered CMDB of `count` CIs (network and storage at the bottom, applications on top) in bulk
    statements, for when bench/cmdb.py is not there; returns the CI ids."""
    from django.db import connection, transaction

    from catalog.models import ConfigurationItem, Service

    rng = random.Random(42)
    names, kinds, services, edges, layers = [], [], [], set(), {}
    for prefix, kind, share, needs in _LAYERS:
        size = max(2, round(count * share))
        first = len(names)
        layers[prefix] = range(first, first + size)
        for n in range(size):
            names.append(f"{prefix}-{n + 1:05d}")
            kinds.append(kind)
            services.append(n % 200)
            for needed, how_many in needs.items():
                for _ in range(how_many):
                    edges.add((first + n, rng.choice(layers[needed])))
    edges = sorted(edges)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {Service._meta.db_table} (name, slug, description, criticality)
            SELECT 'Service ' || i, 'service-' || i, '', 1 + i % 4 FROM generate_series(1, 200) AS i
            ORDER BY i RETURNING id"""
        )
        service_ids = sorted(row[0] for row in cursor.fetchall())
        cursor.execute(
            f"""INSERT INTO {ConfigurationItem._meta.db_table} (name, kind, service_id)
            SELECT n, k, (%s::bigint[])[s + 1]
            FROM unnest(%s::text[], %s::text[], %s::int[]) WITH ORDINALITY AS c(n, k, s, i)
            ORDER BY i RETURNING id""",
            [service_ids, names, kinds, services],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
        cursor.execute(
            f"""INSERT INTO {ConfigurationItem.depends_on.through._meta.db_table}
                (from_configurationitem_id, to_configurationitem_id)
            SELECT (%s::bigint[])[f + 1], (%s::bigint[])[t + 1] FROM unnest(%s::int[], %s::int[]) AS e(f, t)""",
            [ids, ids, [f for f, _ in edges], [t for _, t in edges]],
        )
    with connection.cursor() as cursor:
        for model in (Service, ConfigurationItem, ConfigurationItem.depends_on.through):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    return ids


def seed_cmdb(count: int) -> tuple[list[int], str]:
    """The CI ids, and which seeding made them."""
    try:
        from .cmdb import seed_cis
    except ImportError:
        return _seed_cis_standin(count), "a stand-in layered CMDB (bench/cmdb.py was not there)"
    return seed_cis(count=count), "bench/cmdb.py's layered CMDB (`seed_cis`)"


def seed_changes(ci_ids: list[int], *, count: int, now) -> int:
    """`count` scheduled changes with windows of 1–8 hours over the next HORIZON_DAYS days, each
    touching 1–5 random CIs and done by one of IMPLEMENTERS people; returns the number of CI links."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from changes.models import Change, Status

    rng = random.Random(8)
    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"implementer{n:02d}") for n in range(IMPLEMENTERS)]
    )
    requester = users[0]
    rows = []
    for n in range(count):
        start = now + timedelta(minutes=rng.randrange(30, HORIZON_DAYS * 24 * 60))
        rows.append(
            Change(
                number=f"CHG-{n + 1:06d}",
                title=f"Bench change {n + 1}",
                requester=requester,
                implementer=rng.choice(users),
                planned_start=start,
                planned_end=start + timedelta(minutes=rng.randrange(60, 8 * 60)),
                scheduled_at=now,
            )
        )
    with transaction.atomic():
        changes = Change.objects.bulk_create(rows, batch_size=1000)
        Change.objects.filter(pk__in=[c.pk for c in changes]).update(status=Status.SCHEDULED)
        through = Change.cis.through
        links = [
            through(change_id=change.pk, configurationitem_id=ci)
            for change in changes
            for ci in rng.sample(ci_ids, rng.randint(1, 5))
        ]
        through.objects.bulk_create(links, batch_size=5000)
    with connection.cursor() as cursor:
        for table in (Change._meta.db_table, through._meta.db_table):
            cursor.execute(f"ANALYZE {table}")
    return len(links)


# --- timing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    name: str
    what: str
    p50_ms: float
    p99_ms: float
    max_ms: float
    runs: int

    @property
    def ok(self) -> bool:
        return self.p99_ms < GOAL_MS


def time_calls(name: str, what: str, calls: list[Callable[[], object]]) -> Timing:
    """Each call once, timed (after one untimed warm-up call); nearest-rank percentiles."""
    calls[0]()
    timings = []
    for call in calls:
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    ordered = sorted(timings)
    p99 = ordered[max(0, math.ceil(len(ordered) * 0.99) - 1)]
    return Timing(name, what, statistics.median(ordered), p99, ordered[-1], len(ordered))


def run(params: Params) -> int:
    from . import env

    _log(f"{params.mode} run: {params.cis:,} CIs, {params.changes:,} changes, {params.runs} runs")
    environment = environ(params)
    env.reset_database(params.database_url, params.redis_url, environment)
    env.setup_with(environment)

    from django.utils import timezone

    from changes.cmdb import related_ci_ids
    from changes.models import Change, ChangeType, Status
    from changes.scheduling import Window, change_conflicts

    now = timezone.now()
    started = time.monotonic()
    ci_ids, cmdb_source = seed_cmdb(params.cis)
    links = seed_changes(ci_ids, count=params.changes, now=now)
    seed_seconds = time.monotonic() - started
    _log(
        f"seeded {len(ci_ids):,} CIs and {params.changes:,} changes ({links:,} CI links) in {seed_seconds:.1f} s"
    )

    rng = random.Random(50)
    subject = Change.objects.create(
        number="CHG-999999",
        type=ChangeType.NORMAL,
        title="Patch 50 servers",
        requester=Change.objects.first().requester,
        implementer=Change.objects.order_by("-id").first().implementer,
    )
    subject.cis.set(rng.sample(ci_ids, TOUCHED))
    Change.objects.filter(pk=subject.pk).update(status=Status.APPROVED)
    related = len(related_ci_ids(subject.cis.values_list("pk", flat=True)))
    windows = []
    for _ in range(params.runs):
        start = now + timedelta(minutes=rng.randrange(60, HORIZON_DAYS * 24 * 60))
        windows.append(Window(start, start + timedelta(hours=4)))
    found = [len(change_conflicts(subject, window=w)) for w in windows[:10]]
    timing = time_calls(
        "change_conflicts",
        f"a change touching {TOUCHED} CIs ({related:,} CIs connected to them), a new 4-hour window each run"
        f" (e.g. {', '.join(str(n) for n in found[:5])} conflicts found)",
        [lambda w=w: change_conflicts(subject, window=w) for w in windows],
    )
    body = _render(params, cmdb_source, len(ci_ids), links, seed_seconds, [timing])
    from .report import machine, write_block

    info = machine()
    write_block(
        f"changes-{params.mode}", body + "\n\nMachine: " + ", ".join(f"{k} {v}" for k, v in info.items())
    )
    print(body, flush=True)
    _log("goal met" if timing.ok else f"goal missed: p99 >= {GOAL_MS:g} ms")
    return 0 if timing.ok else 1


def _render(params: Params, source: str, cis: int, links: int, seed_seconds: float, timings) -> str:
    from catalog.models import ConfigurationItem

    edges = ConfigurationItem.depends_on.through.objects.count()
    lines = [
        "### Change collision benchmark (issue #8, item 14)",
        "",
        f"**{params.mode}**, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {cis:,} CIs, {edges:,} edges"
        f" ({source}); {params.changes:,} changes scheduled over the next {HORIZON_DAYS} days touching 1–5 CIs"
        f" each ({links:,} links), {IMPLEMENTERS} implementers; seeded in {seed_seconds:.1f} s. In-process calls"
        " on PostgreSQL: the change's CIs, the connected CIs (CMDB graph, both directions, transitively),"
        " the colliding CI links, the colliding changes, the acknowledgements.",
        "",
        f"| measure ({params.runs} runs) | p50 | p99 | max | goal p99 < {GOAL_MS:g} ms |",
        "|---|---:|---:|---:|:---:|",
    ]
    for t in timings:
        lines.append(
            f"| {t.name}: {t.what} | {t.p50_ms:.1f} ms | {t.p99_ms:.1f} ms | {t.max_ms:.1f} ms"
            f" | {'met' if t.ok else 'MISSED'} |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    return run(parse_params(argv))
