"""The incident queue for a shift in real Chromium (issue #10 item 4): at least 12 rows on a 1366×768
screen with the filter panel collapsed, keyboard shortcuts, and the bulk-action bar."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from catalog.models import Service
from core import roles
from incidents import services
from incidents.models import Incident, Level, Status
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOT = "/tmp/opsdesk-queue-1366x768.png"

VISIBLE_ROWS = """() => [...document.querySelectorAll("table.queue tbody tr[data-incident]")]
    .filter((row) => { const box = row.getBoundingClientRect(); return box.top >= 0 && box.bottom <= innerHeight; })
    .length"""


@pytest.fixture
def shift(transactional_db):
    agent = get_user_model().objects.create_user("agent", password="opsdesk")
    agent.groups.add(Group.objects.get_or_create(name=roles.AGENT)[0])
    payments = Service.objects.create(name="Payments", slug="payments")
    made = [
        services.incident_create(
            actor=agent,
            title=f"Card payments fail with 502 for merchants in region {n} since the last deploy",
            service=payments,
            impact=(Level.HIGH, Level.MEDIUM, Level.LOW)[n % 3],
            urgency=Level.MEDIUM,
            assignee=agent if n % 4 == 0 else None,
        )
        for n in range(20)
    ]
    return agent, made


def signed_in(page: Page, url: str) -> None:
    sign_in(page, url, "agent")
    expect(page.get_by_role("heading", name="Incidents")).to_be_visible()


def test_a_laptop_screen_shows_at_least_12_rows_with_the_filters_collapsed(live_server, page: Page, shift):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.set_default_timeout(10_000)
    signed_in(page, live_server.url)

    expect(page.locator("details.filter-panel")).not_to_have_attribute("open", "")
    expect(page.get_by_label("Service")).to_be_hidden()
    page.screenshot(path=SCREENSHOT)
    assert page.evaluate(VISIBLE_ROWS) >= 12
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")

    # The panel opens in place; its filters redraw the table.
    page.locator("details.filter-panel > summary").click()
    page.get_by_label("P1 critical").check()
    expect(page).to_have_url(re.compile(r"priority=1"))


def test_keyboard_shortcuts_move_open_and_acknowledge(live_server, page: Page, shift):
    agent, made = shift
    page.set_default_timeout(10_000)
    signed_in(page, live_server.url)
    rows = page.locator("table.queue tbody tr[data-incident]")
    first, second = rows.nth(0), rows.nth(1)

    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()

    page.keyboard.press("j")
    expect(first).to_have_class(re.compile(r"\bis-current\b"))
    page.keyboard.press("j")
    expect(second).to_have_class(re.compile(r"\bis-current\b"))
    expect(first).not_to_have_class(re.compile(r"\bis-current\b"))
    page.keyboard.press("k")
    expect(first).to_have_class(re.compile(r"\bis-current\b"))
    number = first.get_attribute("data-incident")

    # `a` acknowledges the current row through the services; the queue says so.
    page.keyboard.press("a")
    expect(page.locator("#messages")).to_contain_text(f"1 incident acknowledged: {number}.")
    expect(page.locator(f'tr[data-incident="{number}"] .status')).to_have_text("Acknowledged")
    assert Incident.objects.get(number=number).status == Status.ACKNOWLEDGED

    # Again on the same row: refused, with the reason as the page says it.
    page.keyboard.press("j")
    expect(first).to_have_attribute("data-incident", number)
    page.keyboard.press("a")
    expect(page.locator("#messages")).to_contain_text(
        f"{number} not acknowledged: It is Acknowledged, so it cannot be acknowledged."
    )

    # `/` focuses the search box; letters typed there are text, not shortcuts.
    page.keyboard.press("/")
    search = page.get_by_role("searchbox", name="Search", exact=True)  # the queue's (the header has one too)
    expect(search).to_be_focused()
    page.keyboard.type("jk")
    expect(search).to_have_value("jk")
    expect(rows.locator("xpath=self::tr[contains(@class, 'is-current')]")).to_have_count(0)
    search.fill("")
    search.blur()

    # `j` then Enter opens the row; `n` files a new incident.
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/incidents/\d+/$"))
    page.go_back()
    expect(page.get_by_role("heading", name="Incidents")).to_be_visible()
    page.keyboard.press("n")
    expect(page).to_have_url(re.compile(r"/incidents/new/$"))


def test_bulk_bar_assigns_the_selected_rows(live_server, page: Page, shift):
    agent, made = shift
    page.set_default_timeout(10_000)
    signed_in(page, live_server.url)
    bar = page.get_by_role("form", name="Bulk actions on the selected incidents")
    expect(bar).to_be_hidden()  # nothing selected yet

    unassigned = [incident for incident in made if incident.assignee_id is None][:2]
    for incident in unassigned:
        page.get_by_label(f"Select {incident.number}").check()
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("2 selected:")
    bar.get_by_label("Action").select_option("assign_me")
    expect(bar.get_by_label("Comment")).to_be_hidden()
    bar.get_by_role("button", name="Apply to selected").click()

    numbers = ", ".join(sorted(incident.number for incident in unassigned))
    expect(page.locator("#messages")).to_contain_text(f"2 incidents assigned to you: {numbers}.")
    for incident in unassigned:
        expect(page.locator(f'tr[data-incident="{incident.number}"]')).to_contain_text("agent")
    assert {i.assignee_id for i in Incident.objects.filter(pk__in=[i.pk for i in unassigned])} == {agent.pk}
