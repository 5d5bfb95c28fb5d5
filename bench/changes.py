"""`python -m bench changes [--quick]`: the change collision check (changes.scheduling.change_conflicts) on
a CMDB of 10,000 CIs / ~30,000 dependency edges and 5,000 changes scheduled over the next 90 days, each
touching 1–5 CIs (quick: 2,000 CIs, 1,000 changes, 20 runs). Times the conflict check of a change
touching 50 CIs in a new 4-hour window each run: p50/p99 over 100 runs (goal p99 < 200 ms). Writes its
section of bench/RESULTS.md ("Change collision benchmark").

The CMDB is bench/cmdb.py's `seed_cis` (the CMDB benchmark's layered shape)."""

import os
import random
import time
from dataclasses import dataclass
from datetime import timedelta

from .config import bench_database_url, parse_quick
from .timing import GOAL_MS, goal_table, publish, time_calls

DEFAULT_CHANGES_DATABASE_URL = bench_database_url("opsdesk_bench_changes")
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
    quick = parse_quick(
        argv,
        prog="python -m bench changes",
        description=__doc__,
        quick_help="2,000 CIs, 1,000 changes, 20 runs",
    )
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
    from .env import dev_environ

    return dev_environ(params.database_url, params.redis_url)


def _log(message: str) -> None:
    print(f"[bench changes {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- seeding ---------------------------------------------------------------------------------------


def seed_cmdb(count: int) -> tuple[list[int], str]:
    """The CI ids (bench/cmdb.py's layered CMDB of `count` CIs), and how the report names that CMDB."""
    from .cmdb import seed_cis

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


def run(params: Params) -> int:
    from . import env

    _log(f"{params.mode} run: {params.cis:,} CIs, {params.changes:,} changes, {params.runs} runs")
    environment = environ(params)
    env.reset_and_setup(params.database_url, params.redis_url, environment)

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
    publish(f"changes-{params.mode}", body)
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
        *goal_table(timings, runs=params.runs),
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    return run(parse_params(argv))
