"""Freeze (blackout) windows: periods in which no normal or standard change may be scheduled."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class FreezeWindow(models.Model):
    """Global when it names no service, else only for the changes touching one of its services."""

    name = models.CharField(max_length=120)
    reason = models.TextField(blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    services = models.ManyToManyField("catalog.Service", blank=True, related_name="freeze_windows")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["starts_at", "ends_at"], condition=Q(active=True), name="freeze_active_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="freeze_window_ends_after_start",
                violation_error_message="The window must end after it starts.",
            )
        ]

    def __str__(self) -> str:
        return self.name
