"""SLA policies: response and resolution targets per priority, optionally per service."""

from datetime import timedelta

from django.db import models
from django.db.models import Q

from core.priority import Priority

from .calendars import Calendar


class SlaPolicy(models.Model):
    """Response (time to acknowledge) and resolution targets for a priority, optionally per service.
    A service-specific policy wins over the default one (service empty) for the same priority."""

    name = models.CharField(max_length=120)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices)
    service = models.ForeignKey(
        "catalog.Service", null=True, blank=True, on_delete=models.CASCADE, related_name="sla_policies"
    )
    response_target = models.DurationField(help_text="Time to acknowledge, e.g. 00:15:00.")
    resolution_target = models.DurationField(help_text="Time to resolve, e.g. 04:00:00.")
    calendar = models.ForeignKey(
        Calendar,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policies",
        help_text="Empty: 24×7.",
    )

    class Meta:
        ordering = ["priority", "service__name"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(fields=["priority", "service"], name="sla_policy_per_service_priority"),
            models.UniqueConstraint(
                fields=["priority"], condition=Q(service__isnull=True), name="sla_default_policy_per_priority"
            ),
            models.CheckConstraint(
                condition=Q(response_target__gt=timedelta(0)) & Q(resolution_target__gt=timedelta(0)),
                name="sla_targets_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name
