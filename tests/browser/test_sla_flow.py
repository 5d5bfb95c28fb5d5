"""SLA badges, manual escalation and the bell in real Chromium: the countdown ticks in the browser,
escalating notifies the group (the bell shows it) and acknowledging meets the response target."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Page, expect

from catalog.models import Service
from core import roles
from incidents import services
from incidents.models import Level
from incidents.tests.factories import IncidentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

QUEUE_SCREENSHOT = "/tmp/opsdesk-sla-queue.png"
DETAIL_SCREENSHOT = "/tmp/opsdesk-sla-detail.png"
BELL_SCREENSHOT = "/tmp/opsdesk-bell.png"
MET_SCREENSHOT = "/tmp/opsdesk-sla-met.png"
COUNTDOWN = re.compile(r"^\d+m \d\ds$")


def backdated(minutes: int, **kwargs):
    """An incident filed `minutes` ago (its clocks started then)."""
    with time_machine.travel(timezone.now() - timedelta(minutes=minutes), tick=False):
        return IncidentFactory(**kwargs)


def test_sla_countdown_escalation_bell_and_met(live_server, page: Page):
    team = Group.objects.create(name="Payments team")
    agent = get_user_model().objects.create_user("agent", password="opsdesk")
    agent.groups.add(Group.objects.get_or_create(name=roles.AGENT)[0], team)
    service = Service.objects.create(name="Payments", slug="payments")
    common = {"reporter": agent, "service": service, "assignment_group": team}
    late = backdated(
        20, title="Refunds stuck in pending", impact=Level.HIGH, urgency=Level.HIGH, assignee=agent, **common
    )
    risky = backdated(24, title="Slow settlement report", impact=Level.HIGH, urgency=Level.MEDIUM, **common)
    held = backdated(30, title="Card reader firmware rollout", **common)
    for action in ("acknowledge", "start", "hold"):
        held = services.incident_transition(
            incident=held,
            actor=agent,
            action=action,
            note="Waiting on vendor",
            **({"hold_reason": "awaiting_vendor"} if action == "hold" else {}),
        )
    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)  # a loaded machine can be slow to serve the first pages

    page.goto(f"{live_server.url}/login/?next=/incidents/")
    page.get_by_label("Username").fill("agent")
    page.get_by_label("Password").fill("opsdesk")
    page.get_by_role("button", name="Sign in").click()

    # File a P1 for the team.
    page.get_by_role("link", name="New incident").click()
    page.get_by_label("Title").fill("Checkout returns 502 for every card payment")
    page.get_by_label("Service").select_option(label="Payments")
    page.get_by_label("Impact").select_option("1")
    page.get_by_label("Urgency").select_option("1")
    page.get_by_label("Assignment group").select_option(label="Payments team")
    page.get_by_role("button", name="File incident").click()
    number = page.locator(".detail-head .number").inner_text()

    # The queue's SLA column: a green response badge whose countdown ticks in the browser.
    page.get_by_role("link", name="Incident queue").click()
    cell = page.locator(f'tr[data-incident="{number}"] .sla-cell')
    expect(cell).to_have_attribute("data-sla", "on_track")
    expect(cell.locator(".sla-state")).to_have_text("On track")
    expect(cell.locator(".sla-target")).to_have_text("Response")
    countdown = cell.locator(".sla-time")
    expect(countdown).to_have_text(re.compile(r"^1[45]m \d\ds$"))
    first = countdown.inner_text()
    expect(countdown).not_to_have_text(first)  # auto-waits for the next tick
    expect(countdown).to_have_text(COUNTDOWN)
    # The others: breached (red, overdue and still counting), amber, paused (business time left).
    breached = page.locator(f'tr[data-incident="{late.number}"] .sla-cell')
    expect(breached).to_have_attribute("data-sla", "breached")
    expect(breached.locator(".sla-time")).to_have_text(re.compile(r"^overdue [45]m \d\ds$"))
    amber = page.locator(f'tr[data-incident="{risky.number}"] .sla-cell')
    expect(amber).to_have_attribute("data-sla", "at_risk")
    expect(amber.locator(".sla-time")).to_have_text(re.compile(r"^[56]m \d\ds$"))
    held_cell = page.locator(f'tr[data-incident="{held.number}"] .sla-cell')
    expect(held_cell).to_have_attribute("data-sla", "paused")
    expect(held_cell.locator(".sla-time")).to_have_text(re.compile(r"^7h \d\dm left$"))

    # Due soonest first, and the Breached quick link.
    page.locator("details.filter-panel > summary").click()  # the folded filter panel holds the sort
    page.get_by_label("Sort by").select_option("due")
    expect(page).to_have_url(re.compile(r"sort=due"))
    expect(page.locator("tr[data-incident]").first).to_have_attribute("data-incident", late.number)
    page.screenshot(path=QUEUE_SCREENSHOT, full_page=True)
    page.get_by_role("link", name="SLA breached").click()
    expect(page.locator("tr[data-incident]")).to_have_count(1)
    expect(page.locator("tr[data-incident]")).to_have_attribute("data-incident", late.number)
    page.get_by_role("link", name="All open").click()

    # The detail page: one row per target; escalate with a note.
    page.locator(f'tr[data-incident="{number}"]').get_by_role("link", name=number).click()
    response_row = page.locator('.sla-table tr[data-target="response"]')
    expect(response_row).to_have_attribute("data-sla", "on_track")
    expect(response_row.locator(".sla-time")).to_have_text(COUNTDOWN)
    expect(page.locator('.sla-table tr[data-target="resolution"] .sla-time')).to_have_text(
        re.compile(r"^1h 5\dm$")
    )
    page.locator("summary", has_text="Escalate").click()
    page.locator("#escalate_note").fill("Merchants are calling the hotline.")
    page.screenshot(path=DETAIL_SCREENSHOT, full_page=True)
    page.get_by_role("button", name="Escalate to level 1").click()
    expect(page.locator("#messages")).to_contain_text(f"{number} escalated to level 1.")
    expect(page.locator("[data-escalation-level]")).to_have_text("Level 1 of 3")
    escalation = page.locator("#timeline .entry-escalation")
    expect(escalation).to_contain_text("Escalated to level 1")
    expect(escalation).to_contain_text("Merchants are calling the hotline.")

    # The escalation notified the team: the bell shows it.
    page.reload()
    bell = page.locator("#notification-bell")
    expect(bell.locator(".notification-count")).to_have_text("1")
    bell.locator("summary").click()
    expect(bell.locator(".notification-dropdown")).to_contain_text(f"{number} escalated (level 1)")
    page.screenshot(path=BELL_SCREENSHOT)
    page.keyboard.press("Escape")
    expect(bell.locator(".notification-dropdown")).to_be_hidden()

    # Acknowledge: the response target is met, the resolution clock runs on.
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".detail-head .status")).to_have_text("Acknowledged")
    expect(response_row).to_have_attribute("data-sla", "met")
    expect(response_row.locator(".sla-state")).to_have_text("Met")
    expect(response_row.locator(".sla-time")).to_have_text(re.compile(r"^took (\d+m )?\d+s$"))
    expect(page.locator('.sla-table tr[data-target="resolution"]')).to_have_attribute("data-sla", "on_track")
    page.screenshot(path=MET_SCREENSHOT, full_page=True)
