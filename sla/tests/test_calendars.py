from datetime import date, time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.errors import InvalidInput
from sla import calendars
from sla.calendars import calendar_fill_holidays
from sla.models import Calendar, SlaPolicy, WorkingPeriod

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
    with pytest.raises(ValidationError, match="not a known IANA time zone"):
        Calendar(name="Mars", time_zone="Mars/Olympus").full_clean()


# --- A working period must end after it starts (00:00: midnight at the end of the day) ---------

END_MESSAGE = "End must be after start (00:00 means midnight at the end of the day)."


def test_model_clean_reports_a_backwards_period_on_end_once():
    calendar = Calendar.objects.create(name="Shop", time_zone="UTC")
    with pytest.raises(ValidationError) as refused:
        WorkingPeriod(calendar=calendar, weekday=0, start=time(17), end=time(9)).full_clean()
    assert refused.value.message_dict == {"end": [END_MESSAGE]}
    WorkingPeriod(calendar=calendar, weekday=0, start=time(17), end=time(0)).full_clean()  # to midnight


@pytest.mark.parametrize(("start", "end"), [(time(17), time(9)), (time(9), time(9))])
def test_service_refuses_it_with_a_field_message(manager, start, end):
    calendar = calendars.calendar_create(actor=manager, name="Shop", time_zone="UTC")
    with pytest.raises(InvalidInput) as refused:
        calendars.working_period_create(actor=manager, calendar=calendar, weekday=0, start=start, end=end)
    assert refused.value.fields == {"end": [END_MESSAGE]}
    assert not calendar.periods.exists()


def test_service_refuses_an_update_that_turns_a_period_around(manager):
    calendar = calendars.calendar_create(actor=manager, name="Shop", time_zone="UTC")
    period = calendars.working_period_create(
        actor=manager, calendar=calendar, weekday=0, start=time(9), end=time(17)
    )
    with pytest.raises(InvalidInput) as refused:
        calendars.working_period_update(period=period, actor=manager, end=time(8))
    assert "end" in refused.value.fields
    period.refresh_from_db()
    assert period.end == time(17)


def test_the_database_refuses_it_whoever_writes():
    calendar = Calendar.objects.create(name="Shop", time_zone="UTC")
    with pytest.raises(IntegrityError, match="working_period_end_after_start"), transaction.atomic():
        WorkingPeriod.objects.create(calendar=calendar, weekday=0, start=time(17), end=time(9))
    WorkingPeriod.objects.create(calendar=calendar, weekday=0, start=time(22), end=time(0))


def test_admin_inline_shows_the_message_next_to_the_end_field(admin_client):
    calendar = Calendar.objects.create(name="Shop", time_zone="UTC")
    data = {
        "name": "Shop", "time_zone": "UTC", "country": "", "subdivision": "",
        "periods-TOTAL_FORMS": 1, "periods-INITIAL_FORMS": 0,
        "periods-0-weekday": 0, "periods-0-start": "17:00", "periods-0-end": "09:00",
        "holidays-TOTAL_FORMS": 0, "holidays-INITIAL_FORMS": 0,
    }  # fmt: skip
    response = admin_client.post(f"/admin/sla/calendar/{calendar.pk}/change/", data)
    assert response.status_code == 200
    inline_errors = response.context["inline_admin_formsets"][0].formset.errors
    assert inline_errors == [{"end": [END_MESSAGE]}]
    assert not calendar.periods.exists()


def test_filing_an_incident_on_a_calendar_no_longer_fails(client_for, agent, manager, service):
    """Before: a Monday 17:00–09:00 period was stored, and every incident filed on that calendar
    answered 500. Now the calendar cannot hold it, so filing works."""
    calendar = calendars.calendar_create(actor=manager, name="Shop", time_zone="UTC")
    for weekday in range(7):
        calendars.working_period_create(
            actor=manager, calendar=calendar, weekday=weekday, start=time(9), end=time(17)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkingPeriod.objects.create(calendar=calendar, weekday=0, start=time(17), end=time(9))
    SlaPolicy.objects.filter(priority=1, service=None).update(calendar=calendar)
    response = client_for(agent).post(
        "/api/v1/incidents/", {"title": "Till is down", "service": service.pk, "impact": 1, "urgency": 1}
    )
    assert response.status_code == 201, response.content


def test_the_migration_names_bad_rows_instead_of_deleting_them():
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    migration = import_module("sla.migrations.0003_workingperiod_end_after_start")
    with connection.cursor() as cursor:  # the state before the migration (rolled back with the test)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending on the table
        cursor.execute("ALTER TABLE sla_workingperiod DROP CONSTRAINT working_period_end_after_start")
    calendar = Calendar.objects.create(name="Shop", time_zone="UTC")
    bad = WorkingPeriod.objects.create(calendar=calendar, weekday=0, start=time(17), end=time(9))
    with pytest.raises(RuntimeError, match=rf"id {bad.pk}: calendar 'Shop', Monday 17:00–09:00"):
        migration.refuse_bad_periods(apps, None)
    assert WorkingPeriod.objects.filter(pk=bad.pk).exists()
