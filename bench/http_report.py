"""The HTTP benchmark's table: per endpoint, throughput and latency over all rounds, and the ratio to its
reference endpoint measured in the same round (the median over rounds, so a noisy moment hits both)."""

from dataclasses import dataclass
from statistics import median
from typing import TYPE_CHECKING

from .http_bench import MAX_SECONDS

if TYPE_CHECKING:
    from .http_bench import Endpoint, HttpParams
    from .http_load import WrkRun


@dataclass
class Table:
    params: "HttpParams"
    machine: dict[str, str]
    seed_seconds: float
    single: dict[str, tuple[int, float, int]]  # name: (status, seconds, bytes) of one request alone
    incidents: int | None = None  # served (a reused database may hold another number than asked for)


def _ms(value: float) -> str:
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


def _size(size: int) -> str:
    return f"{size / 1024:,.0f} KB" if size >= 10240 else f"{size:,} B"


def _row(point: "Endpoint", runs: list["WrkRun"], references: list["WrkRun"] | None, single) -> str:
    requests, seconds = sum(r.requests for r in runs), sum(r.seconds for r in runs)
    status, alone, size = single
    if requests:
        p50, p99 = median(r.p50_ms for r in runs), max(r.p99_ms for r in runs)
        load = f"{requests / seconds:,.1f} | {_ms(p50)} | {_ms(p99)}"
    else:
        load = "0 completed | — | —"
    ratio = "1 (reference)" if point.is_reference else "—"
    if references and requests:
        ratios = [run.rate / ref.rate for run, ref in zip(runs, references, strict=True) if ref.rate]
        ratio = f"{median(ratios):.2f}×" if ratios else "—"
    failed = sum(r.non2xx + r.errors for r in runs)
    return (
        f"| {point.name} | {load} | {ratio} | {_ms(alone * 1000)}, {_size(size)}"
        f"{'' if status < 400 else f' (**status {status}**)'} | {failed:,} |"
    )


def render(table: Table, points: list["Endpoint"], runs: dict[str, list["WrkRun"]]) -> str:
    p = table.params
    lines = [
        f"#### {p.mode.capitalize()} run: {table.incidents or p.incidents:,} incidents",
        "",
        *(f"- {key}: {value}" for key, value in table.machine.items()),
        f"- gunicorn {p.workers} sync workers, `opsdesk.settings.prod`; wrk {p.connections} connections,"
        f" {p.rounds} rounds × {p.seconds:g} s per endpoint (3 × one request alone if longer, at most"
        f" {MAX_SECONDS:g} s), round-robin; "
        + (f"seeding took {table.seed_seconds:.0f} s" if table.seed_seconds else "reused an earlier seed"),
        "",
        "| endpoint | req/s | p50 | p99 | ratio to reference | one request alone, body | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for point in points:
        references = runs.get(point.reference) if point.reference else None
        lines.append(_row(point, runs[point.name], references, table.single[point.name]))
    lines += [
        "",
        "req/s: all rounds' requests over their time; p50: median of the rounds' p50; p99: the worst round's;"
        " ratio: median over rounds of req/s ÷ the reference's req/s in the same round; errors: non-2xx"
        " responses and socket errors/timeouts.",
    ]
    return "\n".join(lines)
