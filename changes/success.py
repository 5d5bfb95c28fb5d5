"""Whether changes succeed: the implementation outcome, and the incidents they were confirmed to cause.

A change is successful only if its outcome is `successful` and no incident was confirmed as caused by
it (a suspected cause an agent confirmed, changes.suspects). The change success rate of a period is
over the changes implemented in it: failed, rolled back, or successful-but-caused-an-incident count as
unsuccessful."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q

from catalog.models import Service

from .models import Change, Outcome, SuspectedCause, SuspectStatus
from .suspects import IMPLEMENTED_STATUSES


def _confirmed_incident():
    return Exists(SuspectedCause.objects.filter(change=OuterRef("pk"), status=SuspectStatus.CONFIRMED))


def change_success(change: Change) -> bool | None:
    """True if implemented successfully and no incident was confirmed as caused by it; False if it
    failed, was rolled back or caused an incident; None while it has no outcome yet."""
    if not change.outcome:
        return None
    if change.outcome != Outcome.SUCCESSFUL:
        return False
    return not SuspectedCause.objects.filter(change=change, status=SuspectStatus.CONFIRMED).exists()


@dataclass(frozen=True)
class ChangeSuccessRate:
    start: datetime
    end: datetime
    service: Service | None
    implemented: int  # changes implemented in [start, end)
    successful: int  # outcome successful and no confirmed incident
    failed: int
    rolled_back: int
    caused_incidents: int  # outcome successful, but an incident was confirmed as caused by it

    @property
    def unsuccessful(self) -> int:
        return self.implemented - self.successful

    @property
    def percent(self) -> float | None:
        """successful / implemented × 100 (one decimal); None when nothing was implemented."""
        return round(100 * self.successful / self.implemented, 1) if self.implemented else None


def change_success_rate(
    start: datetime, end: datetime, *, service: Service | None = None
) -> ChangeSuccessRate:
    """The changes implemented in [start, end) (on `service`, when given) and how many succeeded: one
    aggregate query."""
    changes = Change.objects.filter(
        implemented_at__gte=start, implemented_at__lt=end, status__in=IMPLEMENTED_STATUSES
    )
    if service is not None:
        changes = changes.filter(
            Q(pk__in=Change.services.through.objects.filter(service=service).values("change_id"))
            | Q(
                pk__in=Change.cis.through.objects.filter(configurationitem__service=service).values(
                    "change_id"
                )
            )
        )
    confirmed = _confirmed_incident()
    figures = changes.aggregate(
        implemented=Count("pk"),
        successful=Count("pk", filter=Q(outcome=Outcome.SUCCESSFUL) & ~confirmed),
        failed=Count("pk", filter=Q(outcome=Outcome.FAILED)),
        rolled_back=Count("pk", filter=Q(outcome=Outcome.ROLLED_BACK)),
        caused_incidents=Count("pk", filter=Q(outcome=Outcome.SUCCESSFUL) & confirmed),
    )
    return ChangeSuccessRate(start=start, end=end, service=service, **figures)
