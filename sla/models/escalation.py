"""Escalation policies and their ordered levels, per process, and the escalation state of one record
(any process) under one policy: the levels snapshotted when the policy was applied, the level
reached, the business time elapsed (paused while the record is on hold) and the next due instant."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from core.businesstime import ALWAYS, WorkingCalendar
from core.priority import Priority

from .calendars import Calendar


class EscalationPolicy(models.Model):
    """Ordered levels that fire when a record of a process is left unacknowledged or unresolved too
    long, counted in business time on the policy's calendar."""

    name = models.CharField(max_length=120, unique=True)
    process = models.CharField(
        max_length=32, help_text="The process whose records it escalates (a registered escalation adapter)."
    )
    priority = models.PositiveSmallIntegerField(
        choices=Priority.choices, null=True, blank=True, help_text="Empty: any priority."
    )
    service = models.ForeignKey(
        "catalog.Service", null=True, blank=True, on_delete=models.CASCADE, related_name="escalation_policies"
    )
    calendar = models.ForeignKey(
        Calendar,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalation_policies",
        help_text="Levels count working time on this calendar. Empty: 24×7.",
    )
    active = models.BooleanField(
        default=True, help_text="An inactive policy fires nothing, not even levels due."
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "escalation policies"
        indexes = [models.Index(fields=["process", "active"], name="escalation_policy_process_idx")]

    def __str__(self) -> str:
        return self.name


class EscalationLevel(models.Model):
    class Trigger(models.TextChoices):
        NOT_ACKNOWLEDGED = "not_acknowledged", "Not acknowledged"
        NOT_RESOLVED = "not_resolved", "Not resolved"

    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="levels")
    number = models.PositiveSmallIntegerField(help_text="Levels fire in this order, each at most once.")
    trigger = models.CharField(max_length=32, choices=Trigger.choices, default=Trigger.NOT_ACKNOWLEDGED)
    after = models.DurationField(
        help_text="Business time since the record was filed (on the policy's calendar, not counting time "
        "on hold), e.g. 00:05:00."
    )
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
            models.UniqueConstraint(fields=["policy", "number"], name="escalation_level_number_unique"),
            models.CheckConstraint(
                condition=Q(after__gte=timedelta(0)), name="escalation_level_after_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} level {self.number}: {self.get_trigger_display().lower()} after {self.after}"


class Escalation(models.Model):
    """One record's escalation under one policy. `levels` is the policy's levels as they were when
    the policy was applied (editing the policy later changes nothing here). Business time runs in
    segments like an SLA clock: `elapsed` holds the closed segments, `running_since` is set while
    the record is not on hold. `next_due_at` (the sweep's index) is when the next level fires;
    empty when nothing is left, the record is on hold or closed. Written only by sla/escalations.py."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="escalations")
    calendar = models.ForeignKey(Calendar, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    levels = models.JSONField(default=list, help_text="Snapshot of the policy's levels when applied.")
    level = models.PositiveSmallIntegerField(default=0, help_text="Last level fired.")
    elapsed = models.DurationField(default=timedelta(0), help_text="Business time in closed segments.")
    running_since = models.DateTimeField(null=True, blank=True)
    next_due_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="one_escalation_per_record")
        ]
        indexes = [
            models.Index(
                fields=["next_due_at"], condition=Q(next_due_at__isnull=False), name="escalation_due_idx"
            )
        ]

    def __str__(self) -> str:
        return (
            f"Escalation of {self.content_type.model} {self.object_id} ({self.policy_id}, level {self.level})"
        )

    def working_calendar(self) -> WorkingCalendar:
        return self.calendar.as_working_calendar() if self.calendar_id else ALWAYS
