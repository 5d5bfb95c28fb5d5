"""What the benchmark reads back: progress, lateness, duplicates, the idle sweep, a profile."""

import cProfile
import io
import pstats
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .env import REPO

BREACH_KEY = "'incident:' || c.object_id || ':sla:' || c.target || ':breach'"


def one(query: str, params: Any = None) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()


def rows(query: str, params: Any = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def progress() -> tuple[int, int, int]:
    """(resolution clocks, fired so far, deadlines passed so far)."""
    return one(
        "SELECT count(*), count(breached_at), count(*) FILTER (WHERE due_at <= now())"
        " FROM sla_slaclock WHERE target = 'resolution'"
    )


def outbox_pending() -> int:
    return one("SELECT count(*) FROM notifications_outboxmessage WHERE status = 'pending'")[0]


def _percentiles(expression: str, source: str) -> dict[str, float]:
    row = one(
        f"SELECT count(*), percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY {expression}),"
        f" min({expression}), max({expression}) FROM ({source}) AS t"
    )
    if not row[0]:
        return {"count": 0}
    p50, p90, p99 = row[1]
    return {"count": row[0], "p50": p50, "p90": p90, "p99": p99, "min": float(row[2]), "max": float(row[3])}


@dataclass
class RunFigures:
    fired: int = 0
    expected: int = 0
    recorded: dict[str, float] = field(default_factory=dict)  # breached_at - due_at
    actual: dict[str, float] = field(default_factory=dict)  # first breach notification - due_at
    throughput: float = 0.0  # breaches per second while firing
    offered: float = 0.0  # deadlines per second
    sweeps: dict[str, float] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def run_figures(*, spread_seconds: float) -> RunFigures:
    # Statistics as the run left the tables: planned with those of the seed (no clock breached, no
    # notification), the join of clocks to their notifications below became a nested loop over
    # 100,000 x 400,000 rows (still running after 10 minutes), when autovacuum had not analysed them yet.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sla_slaclock, notifications_notification")
    figures = RunFigures()
    figures.expected, figures.fired, _ = progress()
    figures.offered = figures.expected / spread_seconds
    figures.recorded = _percentiles(
        "lateness",
        "SELECT extract(epoch FROM breached_at - due_at) AS lateness FROM sla_slaclock"
        " WHERE target = 'resolution' AND breached_at IS NOT NULL",
    )
    fired_at = (
        f"SELECT c.due_at, c.breached_at, min(n.created_at) AS notified_at FROM sla_slaclock c"
        f" JOIN notifications_notification n ON n.event_key = {BREACH_KEY}"
        " WHERE c.breached_at IS NOT NULL GROUP BY c.id"
    )
    figures.actual = _percentiles("extract(epoch FROM notified_at - due_at)", fired_at)
    first, last = one(f"SELECT min(notified_at), max(notified_at) FROM ({fired_at}) AS t")
    if first and last > first:
        figures.throughput = figures.fired / (last - first).total_seconds()
    # Every firing of one sweep records the sweep's start ("now") as breached_at: one group per sweep.
    per_sweep = rows(
        f"SELECT breached_at, count(*), extract(epoch FROM max(notified_at) - breached_at)"
        f" FROM ({fired_at}) AS t GROUP BY breached_at ORDER BY breached_at"
    )
    per_sweep = [(start, count, float(seconds)) for start, count, seconds in per_sweep]
    if per_sweep:
        starts = [row[0] for row in per_sweep]
        gaps = [(b - a).total_seconds() for a, b in zip(starts, starts[1:], strict=False)] or [0.0]
        figures.sweeps = {
            "sweeps that fired": len(per_sweep),
            "breaches per sweep (median)": statistics.median(row[1] for row in per_sweep),
            "breaches per sweep (max)": max(row[1] for row in per_sweep),
            "longest sweep (s, start to last notification)": max(row[2] for row in per_sweep),
            "breaches/s while a sweep runs": sum(row[1] for row in per_sweep)
            / max(sum(row[2] for row in per_sweep), 1e-9),
            "largest gap between sweep starts (s)": max(gaps),
        }
    figures.duplicates = {
        "SLA timeline entries per (incident, target, threshold) > 1": one(
            "SELECT count(*) FROM (SELECT 1 FROM core_timelineentry WHERE kind = 'sla'"
            " GROUP BY object_id, data->>'target', data->>'threshold' HAVING count(*) > 1) AS d"
        )[0],
        "notifications per (recipient, event_key) > 1": one(
            "SELECT count(*) FROM (SELECT 1 FROM notifications_notification"
            " GROUP BY recipient_id, event_key HAVING count(*) > 1) AS d"
        )[0],
        "outbox messages per dedupe_key > 1": one(
            "SELECT count(*) FROM (SELECT 1 FROM notifications_outboxmessage"
            " GROUP BY dedupe_key HAVING count(*) > 1) AS d"
        )[0],
    }
    breach_entries, notifications = one(
        "SELECT (SELECT count(*) FROM core_timelineentry WHERE kind = 'sla' AND data->>'threshold' = 'breach'),"
        " (SELECT count(*) FROM notifications_notification WHERE event_type = 'incident.sla_breached')"
    )
    figures.counts = {"breach timeline entries": breach_entries, "breach notifications": notifications}
    unfired, oldest = one(
        "SELECT count(*), extract(epoch FROM now() - min(due_at)) FROM sla_slaclock"
        " WHERE target = 'resolution' AND breached_at IS NULL AND due_at <= now()"
    )
    if unfired:
        figures.counts["deadlines passed but not fired at the end"] = unfired
        figures.counts["oldest of those, overdue by (s)"] = round(oldest)
    for status, count in rows("SELECT status, count(*) FROM notifications_outboxmessage GROUP BY status"):
        figures.counts[f"outbox emails {status} at the end"] = count
    return figures


# --- the SQL a call runs ------------------------------------------------------------------------


def _statement_kind(sql: str) -> str:
    verb = sql.lstrip().split(None, 1)[0].upper()
    if verb in {"SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "BEGIN"}:
        return verb
    match = re.search(r'(?:FROM|INTO|UPDATE)\s+"(\w+)"', sql)
    return f"{verb} {match.group(1) if match else '?'}"


@dataclass
class QueryLog:
    statements: list[tuple[str, Any]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = _statement_kind(sql)
            self.seconds[kind] += time.perf_counter() - started
            self.counts[kind] += 1
            self.statements.append((sql, params))


@contextmanager
def logged_queries():
    log = QueryLog()
    with connection.execute_wrapper(log):
        yield log


# --- the idle sweep -----------------------------------------------------------------------------


@dataclass
class IdleSweep:
    runs: int
    mean_ms: float
    p50_ms: float
    p99_ms: float
    queries: int
    plan: str
    index_scan: bool
    index: str
    as_of: datetime | None  # the sweep's `now` when deadlines were still pending, else None


def idle_sweep(runs: int) -> IdleSweep:
    """Time `sweep_sla_clocks()` with nothing due, and EXPLAIN ANALYZE its query. If thresholds
    are still pending (a run that did not finish), the sweep is timed as of 1 s before the
    earliest one, so it finds nothing due and fires nothing."""
    from incidents.sla import sweep_sla_clocks

    earliest = one("SELECT min(next_fire_at) FROM sla_slaclock")[0]
    now = earliest - timedelta(seconds=1) if earliest and earliest <= timezone.now() else None
    with logged_queries() as log:
        if sweep_sla_clocks(now=now) != 0:
            raise RuntimeError("The idle sweep fired something")
    query, params = next((sql, p) for sql, p in log.statements if "FOR UPDATE" in sql)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        sweep_sla_clocks(now=now)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    index = one(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'sla_slaclock'"
        " AND indexdef LIKE '%(next_fire_at)%%'"
    )[0]
    with transaction.atomic():
        plan = "\n".join(row[0] for row in rows("EXPLAIN (ANALYZE, BUFFERS) " + query, params))
    scan = re.search(r"Index (Only )?Scan using (\w+) on sla_slaclock", plan)
    return IdleSweep(
        runs=runs,
        mean_ms=statistics.fmean(timings),
        p50_ms=timings[len(timings) // 2],
        p99_ms=timings[min(len(timings) - 1, round(len(timings) * 0.99))],
        queries=len(log.statements),
        plan=plan,
        index_scan=bool(scan and scan.group(2) == index),
        index=index,
        as_of=now,
    )


# --- one busy sweep under the profiler ----------------------------------------------------------


def _stats_text(profiler: cProfile.Profile, order: str, pattern: str, limit: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats(order).print_stats(*([pattern] if pattern else []), limit)
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    return f"sorted by {order}:\n" + "\n".join(
        line.replace(str(REPO) + "/", "") for line in lines[start:] if line.strip()
    )


@dataclass
class Profile:
    plain_fired: int  # the first sweep: no profiler, only the query log
    plain_seconds: float
    fired: int  # the second sweep: under cProfile
    seconds: float
    queries: int
    db_seconds: float
    by_statement: list[tuple[str, int, float]]  # kind, count, seconds
    top: str  # pstats: project code by cumulative time, everything by own time


def profile_sweeps(seed_overdue: Callable[[], datetime]) -> Profile:
    """Twice: `seed_overdue()` seeds clocks due before the instant it returns, and one in-process
    sweep as of that instant fires them (and nothing else); the first sweep is only timed, the
    second runs under cProfile with its SQL logged."""
    from incidents.sla import sweep_sla_clocks

    cutoff = seed_overdue()
    started = time.perf_counter()
    plain_fired = sweep_sla_clocks(now=cutoff)
    plain_seconds = time.perf_counter() - started
    cutoff = seed_overdue()
    profiler = cProfile.Profile()
    with logged_queries() as log:
        started = time.perf_counter()
        profiler.enable()
        fired = sweep_sla_clocks(now=cutoff)
        profiler.disable()
        seconds = time.perf_counter() - started
    top = _stats_text(profiler, "cumulative", re.escape(str(REPO)) + "/(?!.venv)", 25)
    top += "\n\n" + _stats_text(profiler, "tottime", "", 20)
    by_statement = sorted(
        ((kind, log.counts[kind], log.seconds[kind]) for kind in log.counts), key=lambda row: -row[2]
    )
    return Profile(
        plain_fired=plain_fired,
        plain_seconds=plain_seconds,
        fired=fired,
        seconds=seconds,
        queries=len(log.statements),
        db_seconds=sum(log.seconds.values()),
        by_statement=by_statement,
        top=top,
    )
