"""The change calendar in real Chromium: the week grid shows a scheduled change and a freeze window,
next/previous move through weeks, the feed address is created, copied and reset, and on a phone-sized
screen the days stack and nothing in the page is wider than the screen."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Page, expect

from changes.freeze import freeze_window_create
from changes.models import CalendarFeedToken
from changes.scheduling import change_schedule
from changes.tests.scheduling_helpers import make_change
from core import roles
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOT = "/tmp/opsdesk-change-calendar.png"
PHONE_SCREENSHOT = "/tmp/opsdesk-change-calendar-phone.png"


def _user(name: str, role: str):
    user = get_user_model().objects.create_user(name, password="opsdesk")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def test_week_calendar_feed_and_phone_layout(live_server, page: Page):
    agent = _user("agent", roles.AGENT)
    manager = _user("manager", roles.MANAGER)
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    monday = today - timedelta(days=today.weekday())
    if monday + timedelta(days=3, hours=10) < timezone.now() + timedelta(hours=1):
        monday += timedelta(days=7)  # Thursday has passed: the next week's (never across a week's end)
    start = monday + timedelta(days=3, hours=10)
    week = f"/changes/calendar/?view=week&date={monday:%Y-%m-%d}"
    change = change_schedule(
        change=make_change(requester=agent, start=start, hours=2, title="Rotate TLS certificates"),
        actor=agent,
    )
    freeze_window_create(
        actor=manager,
        name="Quarter close",
        starts_at=monday + timedelta(days=12),
        ends_at=monday + timedelta(days=13),
    )
    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)
    sign_in(page, live_server.url, "agent", week)

    expect(page.get_by_role("heading", name="Change calendar")).to_be_visible()
    expect(page.get_by_role("link", name=f"{change.number} Rotate TLS certificates")).to_be_visible()
    page.get_by_role("link", name="Next week →").click()
    expect(page.get_by_text("Quarter close").first).to_be_visible()
    expect(page.get_by_text(change.number)).to_have_count(0)
    page.get_by_role("link", name="← Previous week").click()
    expect(page.get_by_text(change.number)).to_be_visible()
    page.get_by_role("link", name="Month").click()
    expect(page.get_by_text(change.number)).to_be_visible()

    page.get_by_role("button", name="Create my feed address").click()
    field = page.get_by_label("Your feed address")
    first = CalendarFeedToken.objects.get(user=agent).token
    expect(field).to_have_value(f"{live_server.url}/changes/calendar/{first}.ics")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_text("Copied.")).to_be_visible()
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.get_by_role("button", name="Reset address").click()
    expect(page.get_by_text("the old one no longer works")).to_be_visible()
    second = CalendarFeedToken.objects.get(user=agent).token
    assert second != first
    expect(page.get_by_label("Your feed address")).to_have_value(
        f"{live_server.url}/changes/calendar/{second}.ics"
    )
    feed = page.request.get(f"{live_server.url}/changes/calendar/{second}.ics")
    assert feed.status == 200 and change.number in feed.text()
    assert page.request.get(f"{live_server.url}/changes/calendar/{first}.ics").status == 404

    # A phone: the days stack, nothing overflows sideways, the change is still readable.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}{week}")
    expect(page.get_by_role("link", name=f"{change.number} Rotate TLS certificates")).to_be_visible()
    wide = page.evaluate(
        """[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)
        .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
    )
    assert wide == []
    page.screenshot(path=PHONE_SCREENSHOT, full_page=True)
