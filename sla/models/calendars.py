"""Working calendars: weekly hours in a time zone, minus holidays."""

from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from core.businesstime import WorkingCalendar

MIDNIGHT = time(0)
END_BEFORE_START = "End must be after start (00:00 means midnight at the end of the day)."


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
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")) | Q(end=MIDNIGHT),
                name="working_period_end_after_start",
                violation_error_message=END_BEFORE_START,
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def ends_after_start(self) -> bool:
        return self.start is None or self.end is None or self.end == MIDNIGHT or self.end > self.start

    def clean(self) -> None:
        super().clean()
        if not self.ends_after_start():
            raise ValidationError({"end": END_BEFORE_START})

    def validate_constraints(self, exclude=None) -> None:
        # clean() already reports a period ending before it starts, on `end`; do not repeat it
        # without a field.
        if not self.ends_after_start():
            exclude = {*(exclude or ()), "end"}
        super().validate_constraints(exclude=exclude)


class Holiday(models.Model):
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_once_per_calendar")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
