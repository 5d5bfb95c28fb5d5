"""The HTTP benchmark's table: per endpoint, throughput and latency over all rounds, and the ratio to its
reference endpoint measured in the same round (the median over rounds, so a noisy moment hits both)."""

from dataclasses import dataclass, field
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
    rows: dict[str, int] = field(default_factory=dict)  # name: rows of a CSV export's one request alone
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
        found = _ratio(runs, references)
        ratio = f"{found:.2f}×" if found is not None else "—"
    failed = sum(r.non2xx + r.errors for r in runs)
    return (
        f"| {point.name} | {load} | {ratio} | {_ms(alone * 1000)}, {_size(size)}"
        f"{'' if status < 400 else f' (**status {status}**)'} | {failed:,} |"
    )


def _ratio(runs: list["WrkRun"], references: list["WrkRun"]) -> float | None:
    ratios = [run.rate / ref.rate for run, ref in zip(runs, references, strict=True) if ref.rate]
    return median(ratios) if ratios else None


# Issue #7's goals at 1M incidents: (goal, endpoints judged (name prefix), what is judged, bound).
# "ratio": at least `bound` × the reference in the same round (the median over rounds); "p99", "p50":
# under `bound` ms; "rows/s": at least `bound` rows a second for one request alone.
GOALS = [
    ("API list (any filter, ordering, search) ≥ 0.5× the bare cursor list", "API list", "ratio", 0.5),
    ("API list (any filter, ordering, search) p99 < 150 ms", "API list", "p99", 150),
    ("API detail ≥ 0.6× bare detail", "API detail", "ratio", 0.6),
    ("API create ≥ 0.4× bare create", "API create", "ratio", 0.4),
    ("queue page (every quick view) p50 < 100 ms", "queue page", "p50", 100),
    ("incident detail page p50 < 60 ms", "incident detail page", "p50", 60),
    ("SLA dashboard, 90 days, p50 < 500 ms", "SLA dashboard", "p50", 500),
    ("SLA CSV export ≥ 20,000 rows/s", "SLA CSV export", "rows/s", 20_000),
]


def goals(
    table: Table, points: list["Endpoint"], runs: dict[str, list["WrkRun"]]
) -> list[tuple[str, str, bool]]:
    """(goal, the figure it is judged on, met) for each goal whose endpoints this run measured."""
    verdicts = []
    for goal, prefix, measure, bound in GOALS:
        judged = [point for point in points if point.name.startswith(prefix) and runs[point.name]]
        if not judged:
            continue
        if measure == "ratio":
            ratios = [_ratio(runs[p.name], runs[p.reference]) or 0.0 for p in judged]  # no rate: 0
            verdicts.append((goal, f"lowest {min(ratios):.2f}×", min(ratios) >= bound))
        elif measure in ("p50", "p99"):
            if measure == "p50":
                worst = max(median(r.p50_ms for r in runs[p.name]) for p in judged)
            else:
                worst = max(r.p99_ms for p in judged for r in runs[p.name])
            verdicts.append((goal, f"highest {_ms(worst)}", worst < bound))
        else:
            rates = [table.rows.get(p.name, 0) / table.single[p.name][1] for p in judged]
            verdicts.append((goal, f"{min(rates):,.0f} rows/s", min(rates) >= bound))
    return verdicts


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
    verdicts = goals(table, points, runs)
    if verdicts:
        lines += ["", "| goal (issue #7) | figure | met |", "|---|---|---|"]
        lines += [f"| {goal} | {figure} | {'yes' if met else '**no**'} |" for goal, figure, met in verdicts]
        lines += [
            "",
            "The goals are judged in this run: ratios on the median over rounds, p50 on the median of the"
            " rounds' p50, p99 on the worst round's, rows/s on the export's one request alone.",
        ]
    return "\n".join(lines)
