"""Risk assessment of a change: the questionnaire's answers (outage, rollback complexity, testing), what
the CMDB says about criticality and breadth of impact, and how changes on the same CIs fared lately
give a score, a level (low, medium, high, very high) and the human-readable reasons behind it.

Pure reads: `assess_risk` returns a RiskAssessment; changes.services stores it on submit."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from catalog import graph
from catalog.models import Criticality

from .models import Change, Outcome, RiskLevel, RollbackComplexity, Testing

RECENT_FAILURES_WINDOW = timedelta(days=90)

CRITICALITY_POINTS = {
    Criticality.CRITICAL: 30,
    Criticality.HIGH: 20,
    Criticality.MEDIUM: 10,
    Criticality.LOW: 0,
}
ROLLBACK_POINTS = {
    RollbackComplexity.SIMPLE: 0,
    RollbackComplexity.MODERATE: 10,
    RollbackComplexity.COMPLEX: 20,
    RollbackComplexity.IMPOSSIBLE: 30,
}
TESTING_POINTS = {Testing.FULL: 0, Testing.PARTIAL: 10, Testing.NONE: 20}
OUTAGE_POINTS = 20
# Breadth: (at least this many affected CIs, or at least this many services) → points.
BREADTH_STEPS = ((10, 3, 20), (3, 2, 10))
FAILURE_POINTS = {1: 15, 2: 25}  # one recent failure, two or more
# Score thresholds: below 25 low, below 50 medium, below 75 high, else very high.
LEVELS = ((25, RiskLevel.LOW), (50, RiskLevel.MEDIUM), (75, RiskLevel.HIGH))


@dataclass(frozen=True)
class RiskAssessment:
    score: int
    level: str
    reasons: list[str] = field(default_factory=list)

    @property
    def needs_change_manager(self) -> bool:
        """High and very high risks wait in assessment for a change manager."""
        return self.level in (RiskLevel.HIGH, RiskLevel.VERY_HIGH)


def level_for(score: int) -> str:
    for limit, level in LEVELS:
        if score < limit:
            return level
    return RiskLevel.VERY_HIGH


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def blast_radius(ci_ids: Iterable[int], service_ids: Iterable[int]) -> dict:
    """{"ci_count", "service_count", "highest_criticality"} of everything the change affects: its CIs and
    every CI depending on them transitively (catalog.graph), and the services of all of them."""
    ci_ids = set(ci_ids)
    found = graph.blast_radius(ci_ids, set(service_ids))
    return {
        "ci_count": len(ci_ids) + found["affected_cis"],
        "service_count": found["affected_services"],
        "highest_criticality": found["highest_criticality"],
    }


def recent_failures(change: Change, ci_ids: Iterable[int], *, now: datetime) -> list[str]:
    """Numbers of changes on the same CIs that failed or were rolled back in the last 90 days."""
    ci_ids = list(ci_ids)
    if not ci_ids:
        return []
    numbers = (
        Change.objects.filter(
            cis__in=ci_ids,
            outcome__in=(Outcome.FAILED, Outcome.ROLLED_BACK),
            implemented_at__gte=now - RECENT_FAILURES_WINDOW,
        )
        .exclude(pk=change.pk)
        .order_by("number")
        .values_list("number", flat=True)
        .distinct()[:10]
    )
    return list(numbers)


def assess_risk(change: Change, *, now: datetime) -> RiskAssessment:
    """Score `change` (saved, with its services and CIs set) as it stands."""
    ci_ids = list(change.cis.values_list("pk", flat=True))
    service_ids = list(change.services.values_list("pk", flat=True))
    score, reasons = 0, []

    def add(points: int, reason: str) -> None:
        nonlocal score
        if points:
            score += points
            reasons.append(f"{reason} (+{points})")

    radius = blast_radius(ci_ids, service_ids)
    highest = radius["highest_criticality"]
    if highest is not None:
        add(
            CRITICALITY_POINTS.get(highest, 0),
            f"Affects a {Criticality(highest).label.lower()}-criticality service",
        )
    for cis, services, points in BREADTH_STEPS:
        if radius["ci_count"] >= cis or radius["service_count"] >= services:
            add(
                points,
                f"Wide impact: {_count(radius['ci_count'], 'configuration item')}, "
                f"{_count(radius['service_count'], 'service')}",
            )
            break
    if change.outage_required:
        add(OUTAGE_POINTS, "Requires an outage")
    add(ROLLBACK_POINTS[change.rollback_complexity], f"Rollback: {change.get_rollback_complexity_display()}")
    add(TESTING_POINTS[change.testing], f"Testing: {change.get_testing_display()}")
    failures = recent_failures(change, ci_ids, now=now)
    if failures:
        points = FAILURE_POINTS[min(len(failures), 2)]
        add(points, f"Recent failed or rolled-back changes on the same CIs: {', '.join(failures)}")
    if not reasons:
        reasons.append("No risk factor: non-critical scope, no outage, simple rollback, fully tested")
    return RiskAssessment(score=score, level=level_for(score), reasons=reasons)
