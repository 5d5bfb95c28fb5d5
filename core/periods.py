"""Periods of whole days, as the reports and metrics read them."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

DAY = timedelta(days=1)


def period_bounds(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """Whole days, both inclusive, in the current time zone → the half-open instants [start, end)."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(first_day, time.min, tzinfo=tz)
    end = datetime.combine(last_day + DAY, time.min, tzinfo=tz)
    return start, end
