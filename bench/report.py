"""The printed summary and its section of bench/RESULTS.md (one block per mode, between markers;
everything else in the file is hand-written and kept)."""

import datetime
import os
import platform
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import celery
import django
import redis
from django.db import connection

from .config import Params
from .env import REPO
from .measure import IdleSweep, Profile, RunFigures

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
GOAL_SECONDS = 15.0


@dataclass
class Sample:
    t: float  # seconds since the first deadline (negative: before it)
    due: int
    fired: int
    queue: int  # messages waiting in the broker's default queue
    outbox_pending: int


@dataclass
class Outcome:
    params: Params
    machine: dict[str, str]  # read when the run started
    finished: bool
    seed_seconds: float
    worker_ready_seconds: float
    wall_seconds: float  # first deadline to last firing (or to giving up)
    samples: list[Sample]
    figures: RunFigures
    idle_before: IdleSweep
    idle_after: IdleSweep
    profile: Profile | None

    @property
    def duplicates(self) -> int:
        return sum(self.figures.duplicates.values())

    @property
    def goal_met(self) -> bool:
        return self.finished and self.figures.actual.get("max", float("inf")) <= GOAL_SECONDS

    @property
    def ok(self) -> bool:
        return self.finished and self.duplicates == 0


def machine() -> dict[str, str]:
    """Facts about this machine and tree, read when the run starts (the tree may change meanwhile)."""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    params_redis = redis.Redis.from_url(os.environ["REDIS_URL"]).info("server")
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{os.cpu_count()} cores ({model})",
        "PostgreSQL": pg,
        "Redis": params_redis["redis_version"],
        "Python / Django / Celery": f"{platform.python_version()} / {django.get_version()} / {celery.__version__}",
        "tree": _git_revision(),
    }


def _git_revision() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.rstrip("\n")

    dirty = [
        line[3:] for line in git("status", "--porcelain").splitlines() if not line[3:].startswith("bench/")
    ]
    return f"commit {git('rev-parse', '--short', 'HEAD')}" + (
        f" + uncommitted changes in {', '.join(dirty)}" if dirty else ""
    )


def _seconds(stats: dict[str, float]) -> str:
    if not stats.get("count"):
        return "n/a (nothing fired)"
    return (
        " · ".join(f"{key} {stats[key]:.2f}" for key in ("p50", "p90", "p99", "max"))
        + f" (min {stats['min']:.2f})"
    )


def _idle(idle: IdleSweep) -> str:
    scan = f"index scan on `{idle.index}`" if idle.index_scan else "**NOT an index scan on next_fire_at**"
    if idle.as_of:
        scan += " (deadlines still pending: timed as of 1 s before the earliest)"
    return (
        f"mean {idle.mean_ms:.2f} ms · p50 {idle.p50_ms:.2f} ms · p99 {idle.p99_ms:.2f} ms over {idle.runs} calls,"
        f" {idle.queries} queries per call; {scan}"
    )


def render(outcome: Outcome) -> str:
    p, f = outcome.params, outcome.figures
    verdict = "met" if outcome.goal_met else "**NOT met**"
    lines = [
        f"#### {p.mode.capitalize()} run{'' if p.email else ' without email'}: {p.incidents:,} incidents"
        f" over {p.spread_minutes:g} min",
        "",
        *(f"- {key}: {value}" for key, value in outcome.machine.items()),
        f"- parameters: BENCH_INCIDENTS={p.incidents} BENCH_SPREAD_MINUTES={p.spread_minutes:g} "
        f"BENCH_LEAD_SECONDS={p.lead_seconds:g} BENCH_MARGIN_SECONDS={p.margin_seconds:g} "
        f"OPSDESK_SWEEP_SECONDS={p.sweep_seconds:g} BENCH_EMAIL={int(p.email)} BENCH_TEAMS={p.teams}",
        f"- seeding took {outcome.seed_seconds:.1f} s; the worker answered a ping {outcome.worker_ready_seconds:.1f} s "
        "after it was started",
        "",
        "| figure | value |",
        "|---|---|",
        f"| finished (every deadline fired within the wait) | {'yes' if outcome.finished else '**NO**'} |",
        f"| fired / expected | {f.fired:,} / {f.expected:,} |",
        f"| lateness, first breach notification − due_at (s) | {_seconds(f.actual)} |",
        f"| lateness as recorded, breached_at − due_at (s) | {_seconds(f.recorded)} |",
        f"| goal: every deadline fires ≤ {GOAL_SECONDS:g} s after it passes | {verdict} |",
        f"| throughput while firing (breaches/s) | {f.throughput:.1f} (offered: {f.offered:.1f}/s) |",
        f"| first deadline → last firing (s) | {outcome.wall_seconds:.0f} |",
        *(
            f"| {key} | {value:,.1f} |" if isinstance(value, float) else f"| {key} | {value:,} |"
            for key, value in f.sweeps.items()
        ),
        *(f"| duplicates: {key} | {value} |" for key, value in f.duplicates.items()),
        *(f"| {key} | {value:,} |" for key, value in f.counts.items()),
        f"| idle sweep before the run ({f.expected:,} deadlines ahead) | {_idle(outcome.idle_before)} |",
        f"| idle sweep after the run (everything fired) | {_idle(outcome.idle_after)} |",
        "",
        "Progress (t: seconds since the first deadline; queue: messages waiting in Redis):",
        "",
        "| t (s) | deadlines passed | fired | backlog | broker queue | outbox pending |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    step = max(1, len(outcome.samples) // 30)
    shown = outcome.samples[::step] + ([outcome.samples[-1]] if (len(outcome.samples) - 1) % step else [])
    lines += [
        f"| {s.t:.0f} | {s.due:,} | {s.fired:,} | {s.due - s.fired:,} | {s.queue:,} | {s.outbox_pending:,} |"
        for s in shown
    ]
    lines += [
        "",
        "`EXPLAIN (ANALYZE, BUFFERS)` of the sweep's query after the run:",
        "",
        "```",
        outcome.idle_after.plan,
        "```",
    ]
    if outcome.profile:
        pr = outcome.profile
        lines += [
            "",
            f"One in-process sweep firing {pr.plain_fired:,} overdue clocks (nudges published to Redis, no worker"
            f" running): {pr.plain_seconds:.2f} s = **{pr.plain_seconds / max(pr.plain_fired, 1) * 1000:.2f} ms"
            f" per breach** ({pr.plain_fired / pr.plain_seconds:.0f} breaches/s in one process). The same again"
            f" under cProfile, its SQL logged: {pr.seconds / max(pr.fired, 1) * 1000:.2f} ms per breach,"
            f" {pr.queries:,} SQL statements for {pr.fired:,} breaches, {pr.db_seconds / pr.seconds:.0%} of the"
            " time waiting on PostgreSQL:",
            "",
            "| statement | count | per 1,000 breaches | total s | ms per breach |",
            "|---|---:|---:|---:|---:|",
            *(
                f"| `{kind}` | {count:,} | {count / max(pr.fired, 1) * 1000:,.1f} | {seconds:.2f} |"
                f" {seconds / max(pr.fired, 1) * 1000:.2f} |"
                for kind, count, seconds in pr.by_statement
            ),
            "",
            "```",
            pr.top,
            "```",
        ]
    return "\n".join(lines)


def summary(outcome: Outcome) -> str:
    f = outcome.figures
    lines = [
        f"fired {f.fired:,}/{f.expected:,}  finished={outcome.finished}",
        f"lateness (notification - due_at) s: {_seconds(f.actual)}",
        f"lateness (breached_at - due_at) s:  {_seconds(f.recorded)}",
        f"goal <= {GOAL_SECONDS:g} s: {'met' if outcome.goal_met else 'NOT met'};"
        f" duplicates: {outcome.duplicates}; throughput {f.throughput:.1f}/s (offered {f.offered:.1f}/s)",
        f"idle sweep before: {_idle(outcome.idle_before)}",
        f"idle sweep after:  {_idle(outcome.idle_after)}",
    ]
    if pr := outcome.profile:
        lines.append(
            f"in-process sweep: {pr.plain_seconds / max(pr.plain_fired, 1) * 1000:.2f} ms/breach,"
            f" {pr.queries / max(pr.fired, 1) * 1000:,.0f} SQL statements per 1,000 breaches"
        )
    return "\n".join(lines)


def write(outcome: Outcome) -> None:
    """Replace this mode's block in RESULTS.md (appended when missing)."""
    write_block(outcome.params.key, render(outcome))


def write_block(key: str, body: str) -> None:
    """Replace the block between `<!-- bench:key -->` and `<!-- /bench:key -->` in RESULTS.md with
    `body` (appended when missing); the rest of the file is kept."""
    begin, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    block = f"{begin}\n{body}\n{end}"
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    text = (
        pattern.sub(lambda _: block, text)
        if pattern.search(text)
        else text.rstrip("\n") + "\n\n" + block + "\n"
    )
    RESULTS.write_text(text)
