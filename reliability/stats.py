"""Small pure helpers for the figures: percentiles and markdown tables."""

import math
from collections.abc import Iterable, Sequence


def percentile(values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont); nan when empty."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """count, p50, p99 and max of request durations, in milliseconds."""
    return {
        "count": len(seconds),
        "p50_ms": percentile(seconds, 0.5) * 1000,
        "p99_ms": percentile(seconds, 0.99) * 1000,
        "max_ms": max(seconds, default=math.nan) * 1000,
    }


def table(rows: Iterable[tuple[str, object]], header: tuple[str, str] = ("figure", "value")) -> str:
    lines = [f"| {header[0]} | {header[1]} |", "|---|---|"]
    for name, value in rows:
        if isinstance(value, float):
            value = f"{value:,.2f}"
        elif isinstance(value, int) and not isinstance(value, bool):
            value = f"{value:,}"
        lines.append(f"| {name} | {value} |")
    return "\n".join(lines)
