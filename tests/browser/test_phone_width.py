"""Every main page on a phone (issue #10 item 6), in real Chromium at 390×844 and at 360 px: the page
never scrolls sideways (wide tables scroll inside their own wrapper), and the header's links are behind
a "Menu" toggle that opens and closes; on a laptop the same links sit in the header bar."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Page, expect

from catalog.models import Service
from changes.tests.scheduling_helpers import make_change
from core import roles
from incidents import services
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
NARROW = {"width": 360, "height": 740}
SCREENSHOT = "/tmp/opsdesk-phone-{name}.png"
# A host name without a break opportunity: the kind of title that pushes a page sideways.
LONG_TITLE = "pay-db-1.replication.lag.above.five.minutes.on.the.primary.cluster.eu-west-1 since 09:10"

OVERFLOW = """() => ({
  scrollWidth: document.documentElement.scrollWidth,
  innerWidth: window.innerWidth,
  culprits: [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                 && !e.closest('.table-scroll, details:not([open])')
                 && getComputedStyle(e).position !== 'fixed')
    .slice(0, 5)
    .map(e => `${e.tagName.toLowerCase()}.${e.className} right=${Math.round(e.getBoundingClientRect().right)}`),
})"""


def _manager():
    user = get_user_model().objects.create_user("manager", password="opsdesk", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=roles.MANAGER)[0])
    return user


def _assert_fits(page: Page, name: str) -> None:
    found = page.evaluate(OVERFLOW)
    if found["scrollWidth"] > found["innerWidth"]:
        page.screenshot(path=SCREENSHOT.format(name=name), full_page=True)
    assert found["scrollWidth"] <= found["innerWidth"], (name, found)


def test_every_page_fits_a_phone_and_the_menu_opens(live_server, page: Page):
    manager = _manager()
    service = Service.objects.create(name="Payments and settlement (EU)", slug="payments")
    incident = services.incident_create(
        actor=manager, title=LONG_TITLE, description=LONG_TITLE * 3, service=service, impact=1, urgency=1
    )
    services.incident_transition(incident=incident, actor=manager, action="acknowledge", note=LONG_TITLE)
    change = make_change(
        requester=manager, start=timezone.now() + timedelta(hours=2), title=f"Fail over {LONG_TITLE}"
    )
    pages = {
        "queue": "/incidents/",
        "detail": f"/incidents/{incident.pk}/",
        "new-incident": "/incidents/new/",
        "sla-dashboard": "/dashboards/sla/",
        "changes": "/changes/",
        "change-detail": f"/changes/{change.pk}/",
        "change-calendar": "/changes/calendar/",
        "new-change": "/changes/new/",
        "notifications": "/notifications/",
    }
    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "manager")
    expect(page.get_by_role("heading", name="Incidents")).to_be_visible()

    for size in (PHONE, NARROW):
        page.set_viewport_size(size)
        for name, path in pages.items():
            response = page.goto(live_server.url + path)
            assert response.status == 200, name
            page.wait_for_load_state("networkidle")  # the bell loads after the page
            _assert_fits(page, f"{name}-{size['width']}")

    # The header's links are behind the menu on a phone: closed at first, opened by the toggle.
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/incidents/")
    nav = page.get_by_role("navigation", name="Main")
    toggle = page.locator(".site-menu-toggle")
    expect(toggle).to_be_visible()
    expect(nav).to_be_hidden()
    toggle.click()
    expect(nav).to_be_visible()
    dashboard = nav.get_by_role("link", name="SLA dashboard")
    expect(dashboard).to_be_visible()
    box = dashboard.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    _assert_fits(page, "menu-open")
    page.screenshot(path=SCREENSHOT.format(name="menu"), full_page=False)
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    toggle.click()
    page.locator("main").dispatch_event("click")  # a click elsewhere closes it
    expect(nav).to_be_hidden()
    toggle.click()
    dashboard.click()
    expect(page.get_by_role("heading", name="SLA dashboard")).to_be_visible()
    expect(nav).to_be_hidden()  # a new page starts with the menu closed

    # On a laptop the links sit in the header bar, with no toggle.
    page.set_viewport_size({"width": 1366, "height": 768})
    expect(toggle).to_be_hidden()
    expect(nav).to_be_visible()
    header = page.locator(".site-header").bounding_box()
    assert header and header["height"] < 80  # one row
    page.goto(f"{live_server.url}/incidents/")
    expect(toggle).to_be_hidden()
    expect(nav.get_by_role("link", name="Incidents")).to_be_visible()
