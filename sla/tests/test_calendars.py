from datetime import date, time

import pytest

from sla.calendars import calendar_fill_holidays
from sla.models import Calendar, WorkingPeriod

pytestmark = pytest.mark.django_db


def test_fill_holidays_from_the_country_once():
    calendar = Calendar.objects.create(
        name="Munich", time_zone="Europe/Berlin", country="DE", subdivision="BY"
    )
    assert calendar_fill_holidays(calendar=calendar, years=[2026]) >= 12
    assert calendar.holidays.filter(date=date(2026, 12, 25)).exists()
    assert calendar.holidays.filter(date=date(2026, 1, 6)).exists()  # Epiphany: Bavaria only
    assert calendar_fill_holidays(calendar=calendar, years=[2026]) == 0


def test_database_calendar_becomes_a_working_calendar():
    calendar = Calendar.objects.create(name="Nights", time_zone="Europe/Berlin")
    WorkingPeriod.objects.create(calendar=calendar, weekday=0, start=time(22), end=time(0))
    WorkingPeriod.objects.create(calendar=calendar, weekday=0, start=time(6), end=time(8))
    working = calendar.as_working_calendar()
    assert working.weekly_hours[0] == ((time(6), time(8)), (time(22), time(0)))
    assert str(working.time_zone) == "Europe/Berlin"


def test_unknown_time_zone_is_refused():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="not a known IANA time zone"):
        Calendar(name="Mars", time_zone="Mars/Olympus").full_clean()
