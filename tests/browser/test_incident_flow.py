"""One incident's life in real Chromium: sign in, file, find it in the queue, work it, resolve it."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from catalog.models import Service
from core import roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOT = "/tmp/opsdesk-incident.png"
QUEUE_SCREENSHOT = "/tmp/opsdesk-queue.png"


def test_file_acknowledge_and_resolve_an_incident(live_server, page: Page):
    agent = get_user_model().objects.create_user("agent", password="opsdesk")
    agent.groups.add(Group.objects.get_or_create(name=roles.AGENT)[0])
    Service.objects.create(name="Payments", slug="payments")
    page.set_default_timeout(10_000)

    # Sign in through the login page; LOGIN_REDIRECT_URL is the queue.
    page.goto(f"{live_server.url}/incidents/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/incidents/$"))
    page.get_by_label("Username").fill("agent")
    page.get_by_label("Password").fill("opsdesk")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Incidents")).to_be_visible()
    expect(page.get_by_role("link", name="Signed in as agent:")).to_be_visible()

    # File an incident; the priority preview follows impact and urgency live.
    page.get_by_role("link", name="New incident").click()
    page.get_by_label("Title").fill("Card payments fail with 502")
    page.get_by_label("Description").fill("Every card payment since 10:00 returns a 502.")
    page.get_by_label("Service").select_option(label="Payments")
    preview = page.locator(".priority-preview")
    expect(preview).to_have_text("P4 low")
    page.get_by_label("Impact").select_option("1")
    expect(preview).to_have_text("P3 medium")  # urgency is still 3 - low
    page.get_by_label("Urgency").select_option("2")
    expect(preview).to_have_text("P2 high")
    page.get_by_role("button", name="File incident").click()
    expect(page.get_by_text(re.compile(r"INC-\d{6} filed as P2 high\."))).to_be_visible()
    number = page.locator(".detail-head .number").inner_text()

    # It is in the queue with its priority.
    page.get_by_role("link", name="Incident queue").click()
    row = page.locator(f'tr[data-incident="{number}"]')
    expect(row).to_contain_text("Card payments fail with 502")
    expect(row.locator(".prio-2")).to_have_text("P2 high")
    expect(row).to_contain_text("Payments")
    page.screenshot(path=QUEUE_SCREENSHOT, full_page=True)

    # The filter form redraws the table in place and records the filter in the address bar (its
    # panel is collapsed to one line until opened).
    page.locator("details.filter-panel > summary").click()
    page.get_by_label("P1 critical").check()
    expect(page).to_have_url(re.compile(r"priority=1"))
    expect(page.locator(".queue .empty")).to_have_text("No incidents match these filters.")
    page.get_by_label("P1 critical").uncheck()
    expect(row).to_be_visible()

    # Open it, acknowledge, resolve with a code and notes (each in place through htmx).
    row.get_by_role("link", name=number).click()
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".detail-head .status")).to_have_text("Acknowledged")
    expect(page.locator("#messages")).to_contain_text(f"{number} is now acknowledged.")
    expect(page.locator(".detail-head h1")).to_be_focused()  # the pressed button is gone; focus moves
    page.locator("summary", has_text="Resolve").click()
    page.get_by_label("Resolution code").select_option("fixed")
    page.get_by_label("Resolution notes").fill("Rolled back the payment gateway to 4.2.1.")
    page.locator("details[data-action=resolve]").get_by_role("button", name="Resolve").click()
    expect(page.locator(".detail-head .status")).to_have_text("Resolved")

    timeline = page.locator("#timeline")
    expect(timeline.locator("li")).to_have_count(3)
    # newest first
    expect(timeline.locator("li").nth(2)).to_contain_text("Filed as P2 high via Web.")
    expect(timeline.locator("li").nth(1)).to_contain_text("New → Acknowledged")
    expect(timeline.locator("li").nth(0)).to_contain_text("Acknowledged → Resolved")
    expect(timeline.locator("li").nth(0)).to_contain_text("Fixed: Rolled back the payment gateway to 4.2.1.")
    expect(page.locator("[data-action]")).to_have_count(2)  # close and reopen only
    page.screenshot(path=SCREENSHOT, full_page=True)
