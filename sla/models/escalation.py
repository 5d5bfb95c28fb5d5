"""Escalation policies and their ordered levels."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models

from core.priority import Priority


class EscalationPolicy(models.Model):
    """Ordered levels that fire when an incident is left unacknowledged or unresolved too long."""

    name = models.CharField(max_length=120, unique=True)
    priority = models.PositiveSmallIntegerField(
        choices=Priority.choices, null=True, blank=True, help_text="Empty: any priority."
    )
    service = models.ForeignKey(
        "catalog.Service", null=True, blank=True, on_delete=models.CASCADE, related_name="escalation_policies"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "escalation policies"

    def __str__(self) -> str:
        return self.name


class EscalationLevel(models.Model):
    class Trigger(models.TextChoices):
        NOT_ACKNOWLEDGED = "not_acknowledged", "Not acknowledged"
        NOT_RESOLVED = "not_resolved", "Not resolved"

    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="levels")
    number = models.PositiveSmallIntegerField(help_text="Levels fire in this order, each at most once.")
    trigger = models.CharField(max_length=32, choices=Trigger.choices, default=Trigger.NOT_ACKNOWLEDGED)
    after = models.DurationField(help_text="Time since the incident was filed, e.g. 00:05:00.")
    notify_users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    notify_group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notify_assignment_group = models.BooleanField(default=False)
    notify_group_lead = models.BooleanField(default=False, help_text="The lead of the assignment group.")
    notify_managers = models.BooleanField(default=False)
    reassign_to_group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raise_to_next_group = models.BooleanField(
        default=False, help_text="Reassign to the escalation group set on the assignment group's team."
    )
    raise_priority = models.BooleanField(default=False, help_text="One priority step higher (P1 stays P1).")

    class Meta:
        ordering = ["policy", "number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="escalation_level_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.policy} level {self.number}: {self.get_trigger_display().lower()} after {self.after}"
