"""SLA configuration shared by every process: working calendars, SLA policies (targets per
priority and service) and escalation policies; plus the abstract clock a process attaches to
its records."""

from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from core.businesstime import ALWAYS, WorkingCalendar
from core.priority import Priority


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"'{value}' is not a known IANA time zone (e.g. Europe/Berlin).") from exc


class Calendar(models.Model):
    """Working hours in a time zone, minus holidays. SLA policies without one run 24×7."""

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    country = models.CharField(
        max_length=8, blank=True, help_text="ISO country code: the admin action fills holidays from it."
    )
    subdivision = models.CharField(
        max_length=8, blank=True, help_text="Optional region, e.g. BY for Bavaria."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.time_zone})"

    def as_working_calendar(self) -> WorkingCalendar:
        """The pure calendar for core.businesstime (use prefetch_related('periods', 'holidays'))."""
        hours: dict[int, list] = {}
        for period in sorted(self.periods.all(), key=lambda p: (p.weekday, p.start)):
            hours.setdefault(period.weekday, []).append((period.start, period.end))
        return WorkingCalendar(
            ZoneInfo(self.time_zone),
            {day: tuple(windows) for day, windows in hours.items()},
            frozenset(h.date for h in self.holidays.all()),
        )


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WorkingPeriod(models.Model):
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="periods")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField(help_text="00:00 means midnight at the end of the day.")

    class Meta:
        ordering = ["weekday", "start"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class Holiday(models.Model):
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_once_per_calendar")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


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
