"""The change calendar page (week and month, bounded reads) and the iCalendar feed (RFC 5545, parsed
with the icalendar package)."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from changes.calendar import calendar_feed_token_reset, calendar_range
from changes.freeze import freeze_window_create
from changes.lifecycle import change_apply, change_lock
from changes.models import CalendarFeedToken, Change, Status
from changes.scheduling import change_schedule
from core import roles

from .scheduling_helpers import at, make_change

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 11, 8, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def scheduled(requester, start, hours=2, **kwargs) -> Change:
    change = make_change(requester=requester, start=start, hours=hours, **kwargs)
    return change_schedule(change=change, actor=requester)


def test_week_and_month_ranges():
    week = calendar_range("week", date(2026, 3, 11))
    assert (week.first, week.last) == (date(2026, 3, 9), date(2026, 3, 15))
    assert (week.previous, week.next) == (date(2026, 3, 2), date(2026, 3, 16))
    month = calendar_range("month", date(2026, 3, 11))
    assert (month.first, month.last) == (date(2026, 2, 23), date(2026, 4, 5))
    assert (month.previous, month.next) == (date(2026, 2, 1), date(2026, 4, 1))
    assert month.title == "March 2026"


def test_week_page_shows_changes_and_freezes_in_range_only(client, agent, manager):
    inside = scheduled(agent, at(1, 10), title="Rotate certificates")  # Thursday
    outside = scheduled(agent, at(9, 10), title="Next week's patch")
    draft = make_change(requester=agent, approved=False, title="Unplanned idea")
    freeze_window_create(actor=manager, name="Quarter close", starts_at=at(3, 0), ends_at=at(4, 0))
    client.force_login(agent)
    response = client.get("/changes/calendar/", {"view": "week", "date": "2026-03-11"})
    assert response.status_code == 200
    html = response.content.decode()
    assert inside.number in html and "Rotate certificates" in html
    assert outside.number not in html and draft.number not in html
    assert "Quarter close" in html
    assert "date=2026-03-02" in html and "date=2026-03-16" in html  # previous and next weeks


def test_month_page_and_multi_day_changes(client, agent):
    long = scheduled(agent, at(20, 20), hours=10, title="Data centre move")  # 20:00 to 06:00: two days
    client.force_login(agent)
    html = client.get("/changes/calendar/", {"view": "month", "date": "2026-03-31"}).content.decode()
    assert html.count(long.number) == 2
    assert "date=2026-02-01" in html and "date=2026-04-01" in html


def test_implementing_changes_show(client, agent):
    change = scheduled(agent, at(0, 9))
    with time_machine.travel(
        at(
            0,
            9,
        )
        + timedelta(minutes=1),
        tick=False,
    ):
        from django.db import transaction

        with transaction.atomic():
            change_apply(change_lock(change), action="start", actor=agent)
        client.force_login(agent)
        html = client.get("/changes/calendar/").content.decode()
    assert change.number in html and "cal-implementing" in html


@pytest.mark.parametrize("query", [{"view": "year"}, {"date": "11/03/2026"}])
def test_bad_query_is_400(client, agent, query):
    client.force_login(agent)
    response = client.get("/changes/calendar/", query)
    assert response.status_code == 400


def test_page_needs_sign_in(client):
    assert client.get("/changes/calendar/").status_code == 302


def test_page_query_count_does_not_grow(client, agent, manager, django_assert_num_queries):
    client.force_login(agent)
    for day in range(3):
        scheduled(agent, at(day, 12), implementer=agent)
        freeze_window_create(actor=manager, name=f"F{day}", starts_at=at(day + 20), ends_at=at(day + 21))
    client.get("/changes/calendar/", {"view": "month"})
    with CaptureQueriesContext(connection) as few:
        client.get("/changes/calendar/", {"view": "month"})
    for day in range(3, 12):
        scheduled(agent, at(day, 12), implementer=agent)
        freeze_window_create(actor=manager, name=f"G{day}", starts_at=at(day + 20), ends_at=at(day + 21))
    with django_assert_num_queries(len(few.captured_queries)):
        html = client.get("/changes/calendar/", {"view": "month"}).content.decode()
    assert html.count("cal-item cal-scheduled") >= 12


# --- the iCalendar feed -----------------------------------------------------------------------------


def feed(client, token: str):
    response = client.get(f"/changes/calendar/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def events(cal) -> dict[str, object]:
    return {str(event["UID"]): event for event in cal.walk("VEVENT")}


def test_feed_lists_scheduled_changes_as_rfc5545_events(client, agent, manager):
    change = scheduled(agent, at(2, 9), hours=3, title="Upgrade PostgreSQL", description="Minor release")
    make_change(requester=agent, title="Approved, not scheduled")
    freeze_window_create(actor=manager, name="Quarter close", starts_at=at(5, 0), ends_at=at(6, 0))
    token = calendar_feed_token_reset(user=agent).token

    cal = feed(client, token)  # anonymous: the URL is the credential
    assert str(cal["VERSION"]) == "2.0" and "OpsDesk" in str(cal["PRODID"])
    found = events(cal)
    event = found[f"change-{change.pk}@opsdesk"]
    assert str(event["SUMMARY"]) == f"{change.number} Upgrade PostgreSQL"
    assert (
        event.decoded("DTSTART") == at(2, 9).astimezone(UTC) and event.decoded("DTSTART").tzinfo is not None
    )
    assert event.decoded("DTEND") == at(2, 12).astimezone(UTC)
    assert event["DTSTART"].to_ical().endswith(b"Z")  # UTC
    assert int(event["SEQUENCE"]) == change.version
    assert "DTSTAMP" in event and str(event["STATUS"]) == "CONFIRMED"
    assert str(event["URL"]).endswith(f"/changes/{change.pk}/")
    assert "Minor release" in str(event["DESCRIPTION"])
    assert [str(e["SUMMARY"]) for e in found.values() if "freeze" in str(e["UID"])] == [
        "Change freeze: Quarter close"
    ]
    assert len(found) == 2  # the unscheduled change is not in the feed


def test_feed_uid_is_stable_and_sequence_follows_rescheduling(client, agent):
    change = scheduled(agent, at(2, 9))
    token = calendar_feed_token_reset(user=agent).token
    before = events(feed(client, token))[f"change-{change.pk}@opsdesk"]
    change_schedule(change=change, actor=agent, planned_start=at(3, 9), planned_end=at(3, 10))
    after = events(feed(client, token))[f"change-{change.pk}@opsdesk"]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTART") == at(3, 9).astimezone(UTC)


def test_cancelled_scheduled_change_is_cancelled_in_the_feed(client, agent):
    from django.db import transaction

    change = scheduled(agent, at(2, 9))
    with transaction.atomic():
        change_apply(change_lock(change), action="cancel", actor=agent)
    token = calendar_feed_token_reset(user=agent).token
    event = events(feed(client, token))[f"change-{change.pk}@opsdesk"]
    assert str(event["STATUS"]) == "CANCELLED"


def test_unknown_or_reset_token_is_404(client, agent):
    assert client.get("/changes/calendar/nope.ics").status_code == 404
    old = calendar_feed_token_reset(user=agent).token
    new = calendar_feed_token_reset(user=agent).token
    assert old != new
    assert client.get(f"/changes/calendar/{old}.ics").status_code == 404
    assert client.get(f"/changes/calendar/{new}.ics").status_code == 200


def test_feed_of_a_deactivated_or_roleless_user_is_404(client, agent, make_user):
    token = calendar_feed_token_reset(user=agent).token
    agent.is_active = False
    agent.save()
    assert client.get(f"/changes/calendar/{token}.ics").status_code == 404
    roleless = make_user(username="left")
    assert (
        client.get(f"/changes/calendar/{calendar_feed_token_reset(user=roleless).token}.ics").status_code
        == 404
    )


def test_page_creates_shows_and_resets_the_feed_url(client, agent):
    client.force_login(agent)
    assert "Create my feed address" in client.get("/changes/calendar/").content.decode()
    assert client.post("/changes/calendar/feed/reset/").status_code == 302
    first = CalendarFeedToken.objects.get(user=agent).token
    html = client.get("/changes/calendar/").content.decode()
    assert f"/changes/calendar/{first}.ics" in html and "Copy" in html and "Reset address" in html
    client.post("/changes/calendar/feed/reset/")
    second = CalendarFeedToken.objects.get(user=agent).token
    assert second != first and client.get(f"/changes/calendar/{first}.ics").status_code == 404


def test_feed_query_count_does_not_grow(client, agent, manager, django_assert_num_queries):
    token = calendar_feed_token_reset(user=agent).token
    scheduled(agent, at(1, 9), implementer=agent)
    freeze_window_create(actor=manager, name="F", starts_at=at(20), ends_at=at(21))
    with CaptureQueriesContext(connection) as few:
        client.get(f"/changes/calendar/{token}.ics")
    for day in range(2, 12):
        scheduled(agent, at(day, 9), implementer=agent)
        freeze_window_create(actor=manager, name=f"F{day}", starts_at=at(day + 20), ends_at=at(day + 21))
    with django_assert_num_queries(len(few.captured_queries)):
        cal = feed(client, token)
    assert len(cal.walk("VEVENT")) == 22


def test_other_roles_read_the_page(client, make_user):
    client.force_login(make_user(roles.CAB_TECH_LEAD, username="lead"))
    assert client.get("/changes/calendar/").status_code == 200
    assert Status.SCHEDULED  # the page reads any role's view of the same calendar
