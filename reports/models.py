"""Daily roll-ups behind the SLA dashboard (reports.rollup fills them, reports.metrics reads them).

SLA outcomes of settled incidents only: an incident is settled once it is closed (closed is final:
no transition leaves it, and services refuse to edit it), so the met / breached classification of
its stopped clocks, its priority and its service can no longer change. Everything else (open,
resolved, cancelled, closed after the watermark, and any clock still running) is computed live."""

from django.conf import settings
from django.db import models


class SlaDailyOutcome(models.Model):
    """Met and breached stopped clocks of the incidents settled before `RollupState.settled_before`,
    per day of creation (in `RollupState.time_zone`) × service × priority × target × assignment group
    × assignee (for the dashboard's breakdowns; a settled incident's assignment no longer changes)."""

    day = models.DateField()
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="+")
    priority = models.PositiveSmallIntegerField()
    target = models.CharField(max_length=32)
    # No database constraint: a deleted group or person keeps its rows (counted under its old id).
    assignment_group = models.ForeignKey(
        "auth.Group", null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    met = models.PositiveIntegerField(default=0)
    breached = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "service", "priority", "target", "assignment_group", "assignee"],
                name="sla_daily_outcome_unique",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} service {self.service_id} P{self.priority} {self.target}"


class RollupState(models.Model):
    """How far a roll-up goes (one row per roll-up, created by its first refresh): incidents closed
    before `settled_before`, days in `time_zone`."""

    name = models.CharField(max_length=32, primary_key=True)
    settled_before = models.DateTimeField()
    time_zone = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.name} up to {self.settled_before:%Y-%m-%d %H:%M:%S}"
