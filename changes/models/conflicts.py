"""Acknowledged scheduling conflicts: the requester (or change manager) accepts that another change
overlaps this one's window on a shared or connected CI, or with the same implementer, and says why.
Shown to the CAB with the conflicts; scheduling refuses conflicts nobody acknowledged."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ConflictKind(models.TextChoices):
    CI = "ci", "Same configuration item"
    DEPENDENCY = "dependency", "Connected configuration item"
    IMPLEMENTER = "implementer", "Same implementer"


class ChangeConflict(models.Model):
    """One acknowledged conflict of `change` with `other`, of one kind (at most one row per pair and
    kind: acknowledging again replaces the note)."""

    change = models.ForeignKey("changes.Change", on_delete=models.CASCADE, related_name="conflict_acks")
    other = models.ForeignKey("changes.Change", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ConflictKind.choices)
    note = models.TextField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(default=timezone.now)
    # The window the change was scheduled for when the conflict was acknowledged.
    planned_start = models.DateTimeField(null=True, blank=True)
    planned_end = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["change", "other", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["change", "other", "kind"], name="change_conflict_once"),
            models.CheckConstraint(
                condition=~models.Q(change=models.F("other")), name="change_conflict_other"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.change_id} × {self.other_id} ({self.kind})"
