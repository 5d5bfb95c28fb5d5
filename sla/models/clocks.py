"""The abstract clock a process attaches to its records."""

from datetime import timedelta

from django.db import models

from core.businesstime import ALWAYS, WorkingCalendar

from .calendars import Calendar
from .policies import SlaPolicy


class SlaClockBase(models.Model):
    """One SLA target's clock on one record. The thresholds' absolute instants are stored while the
    clock runs, so the sweep and every page compare instants instead of redoing calendar math.
    All mutation lives in sla/clock.py (pure, in memory); process services save it."""

    class Target(models.TextChoices):
        RESPONSE = "response", "Response"
        RESOLUTION = "resolution", "Resolution"

    target = models.CharField(max_length=16, choices=Target.choices)
    policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
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
    next_fire_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        abstract = True

    def working_calendar(self) -> WorkingCalendar:
        return self.calendar.as_working_calendar() if self.calendar_id else ALWAYS
