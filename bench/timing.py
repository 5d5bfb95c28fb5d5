"""Timing in-process calls: p50 / p99 / max of one call per run, for the benchmarks' goal tables."""

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

GOAL_MS = 200.0  # the p99 the in-process benchmarks (CMDB graph, change collisions) are held to


@dataclass(frozen=True)
class Timing:
    name: str
    what: str
    p50_ms: float
    p99_ms: float
    max_ms: float
    runs: int
    goal: bool = True  # False: informational, not held to GOAL_MS

    @property
    def ok(self) -> bool:
        return not self.goal or self.p99_ms < GOAL_MS


def time_calls(name: str, what: str, calls: list[Callable[[], object]], *, goal: bool = True) -> Timing:
    """Each call once, timed (after one untimed warm-up call); nearest-rank percentiles."""
    calls[0]()
    timings = []
    for call in calls:
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    ordered = sorted(timings)
    p99 = ordered[max(0, math.ceil(len(ordered) * 0.99) - 1)]
    return Timing(name, what, statistics.median(ordered), p99, ordered[-1], len(ordered), goal)


def goal_table(timings: list[Timing], *, runs: int) -> list[str]:
    """The Markdown table of `timings` against GOAL_MS (an informational timing's verdict is n/a)."""
    lines = [
        f"| measure ({runs} runs) | p50 | p99 | max | goal p99 < {GOAL_MS:g} ms |",
        "|---|---:|---:|---:|:---:|",
    ]
    for t in timings:
        lines.append(
            f"| {t.name}: {t.what} | {t.p50_ms:.1f} ms | {t.p99_ms:.1f} ms | {t.max_ms:.1f} ms"
            f" | {('met' if t.ok else 'MISSED') if t.goal else 'n/a'} |"
        )
    return lines


def publish(key: str, body: str) -> None:
    """`body` and the machine it ran on into bench/RESULTS.md's block `key`; `body` on stdout."""
    from .report import machine, write_block

    write_block(key, body + "\n\nMachine: " + ", ".join(f"{k} {v}" for k, v in machine().items()))
    print(body, flush=True)
