"""Impact, urgency and the priority they give: shared by every process (SLA policies and every record that has a priority)."""

from django.db import models


class Level(models.IntegerChoices):
    """Impact and urgency share the ITIL scale."""

    HIGH = 1, "1 - High"
    MEDIUM = 2, "2 - Medium"
    LOW = 3, "3 - Low"


class Priority(models.IntegerChoices):
    P1 = 1, "P1 critical"
    P2 = 2, "P2 high"
    P3 = 3, "P3 medium"
    P4 = 4, "P4 low"


# The ITIL impact × urgency matrix: priority = impact + urgency - 1, capped at P4.
PRIORITY_MATRIX: dict[tuple[int, int], Priority] = {
    (impact, urgency): Priority(min(impact + urgency - 1, 4)) for impact in (1, 2, 3) for urgency in (1, 2, 3)
}


def priority_for(impact: int, urgency: int) -> Priority:
    return PRIORITY_MATRIX[(int(impact), int(urgency))]


def raised(impact: int, urgency: int) -> tuple[int, int]:
    """Impact and urgency one priority step higher (urgency first); P1 stays P1."""
    if priority_for(impact, urgency) == Priority.P1:
        return impact, urgency
    return (impact, urgency - 1) if urgency > 1 else (impact - 1, urgency)
