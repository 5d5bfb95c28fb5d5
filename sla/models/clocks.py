"""The SLA clocks of any process's records: one row per record and target."""

from datetime import timedelta

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from core.businesstime import ALWAYS, WorkingCalendar

from .calendars import Calendar
from .policies import SlaTarget, target_label


class SlaClockBase(models.Model):
    """One SLA target's clock on one record. The thresholds' absolute instants are stored while the
    clock runs, so the sweep and every page compare instants instead of redoing calendar math.
    All mutation lives in sla/clock.py (pure, in memory); sla/engine.py saves it."""

    target = models.CharField(max_length=32, help_text="The policy target's name, e.g. response.")
    calendar = models.ForeignKey(Calendar, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    target_duration = models.DurationField()
    elapsed = models.DurationField(default=timedelta(0), help_text="Business time in closed segments.")
    running_since = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    half_at = models.DateTimeField(null=True, blank=True)
    at_risk_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    warned_50_at = models.DateTimeField(null=True, blank=True)
    warned_75_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    next_fire_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def target_label(self) -> str:
        return target_label(self.target)

    def working_calendar(self) -> WorkingCalendar:
        return self.calendar.as_working_calendar() if self.calendar_id else ALWAYS


class SlaClock(SlaClockBase):
    """A clock on a record of any process (content type + id). `rules` is the snapshot of the
    target's pause/resume/stop transitions taken when the clock started, so editing or deleting
    the policy never changes a clock already running."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    policy_target = models.ForeignKey(
        SlaTarget, null=True, blank=True, on_delete=models.SET_NULL, related_name="clocks"
    )
    rules = models.JSONField(default=dict, blank=True, help_text="{pause|resume|stop: [transitions]}")

    class Meta:
        ordering = ["content_type_id", "object_id", "-target"]  # response before resolution
        verbose_name = "SLA clock"
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "target"], name="one_sla_clock_per_record_target"
            )
        ]
        indexes = [
            # The sweep's claim: only clocks with a threshold still to fire are in the index.
            models.Index(
                fields=["next_fire_at"], condition=Q(next_fire_at__isnull=False), name="sla_clock_sweep_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.content_type.model} {self.object_id} {self.target_label} SLA"

    def effect_of(self, action: str) -> str | None:
        """What `action` does to this clock: "stop", "pause", "resume" or None."""
        return next((effect for effect, actions in self.rules.items() if action in actions), None)
