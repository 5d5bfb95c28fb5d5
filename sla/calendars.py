"""Every write to working calendars, their weekly working periods and their holidays (audited,
managers only). A period must end after it starts (00:00: midnight at the end of the day): the
model, these services and a database check constraint all refuse it."""

import holidays as holidays_package
from django.db import transaction
from django.utils import timezone

from core.audit import audit_actor
from core.config import config_create, config_delete, config_update, require_configure

from .models import Calendar, Holiday, WorkingPeriod


def calendar_create(*, actor, **fields) -> Calendar:
    """Fields: name, time_zone, country, subdivision."""
    return config_create(Calendar, actor=actor, **fields)


def calendar_update(*, calendar: Calendar, actor, **fields) -> Calendar:
    return config_update(calendar, actor=actor, **fields)


def calendar_delete(*, calendar: Calendar, actor) -> None:
    """Refused (409) while an SLA policy uses the calendar."""
    config_delete(calendar, actor=actor)


def working_period_create(*, actor, **fields) -> WorkingPeriod:
    """Fields: calendar, weekday, start, end."""
    return config_create(WorkingPeriod, actor=actor, **fields)


def working_period_update(*, period: WorkingPeriod, actor, **fields) -> WorkingPeriod:
    return config_update(period, actor=actor, **fields)


def working_period_delete(*, period: WorkingPeriod, actor) -> None:
    config_delete(period, actor=actor)


def holiday_create(*, actor, **fields) -> Holiday:
    """Fields: calendar, date, name."""
    return config_create(Holiday, actor=actor, **fields)


def holiday_update(*, holiday: Holiday, actor, **fields) -> Holiday:
    return config_update(holiday, actor=actor, **fields)


def holiday_delete(*, holiday: Holiday, actor) -> None:
    config_delete(holiday, actor=actor)


def calendar_fill_holidays(*, calendar: Calendar, actor=None, years: list[int] | None = None) -> int:
    """Add the public holidays of the calendar's country (this year and next by default); returns
    how many were new. Holidays already there are kept as they are. `actor` None: the system."""
    if actor is not None:
        require_configure(actor)
    this_year = timezone.now().year
    named = holidays_package.country_holidays(
        calendar.country, subdiv=calendar.subdivision or None, years=years or [this_year, this_year + 1]
    )
    with transaction.atomic(), audit_actor(actor):
        known = set(calendar.holidays.values_list("date", flat=True))
        new = [
            Holiday(calendar=calendar, date=day, name=name[:120])
            for day, name in sorted(named.items())
            if day not in known
        ]
        Holiday.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)
