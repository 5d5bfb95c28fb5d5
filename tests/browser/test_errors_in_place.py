"""Errors keep the page (issue #10 item 2), under DEBUG as `make run` serves it: a whitespace-only
comment and a hold without a reason come back as 400s whose errors show in place on the styled page
(django-htmx's DEBUG helper used to replace the whole document with the bare fragment)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import override_settings
from playwright.sync_api import Page, expect

from catalog.models import Service
from core import roles
from incidents.tests.factories import incident_in_state

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@override_settings(DEBUG=True)
def test_a_bad_comment_and_a_hold_without_reason_keep_the_styled_page(live_server, page: Page):
    agent = get_user_model().objects.create_user("agent", password="opsdesk")
    agent.groups.add(Group.objects.get_or_create(name=roles.AGENT)[0])
    service = Service.objects.create(name="Payments", slug="payments")
    incident = incident_in_state("in_progress", reporter=agent, service=service, title="Card payments fail")
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/login/?next=/incidents/{incident.pk}/")
    page.get_by_label("Username").fill("agent")
    page.get_by_label("Password").fill("opsdesk")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".detail-head h1")).to_contain_text("Card payments fail")

    # Whitespace passes the browser's `required`; the server refuses it and the page stays.
    page.get_by_label("Comment").fill("   ")
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator("#comment-form")).to_contain_text("A comment cannot be empty.")
    expect(page.locator(".site-header")).to_be_visible()  # still the styled page, header and all
    expect(page.locator(".detail-head h1")).to_contain_text("Card payments fail")

    # Put on hold with "Other" but no note: the reason's error in place, the form still open.
    page.locator("summary", has_text="Put on hold").click()
    page.get_by_label("Waiting for").select_option("other")
    page.locator("details[data-action=hold]").get_by_role("button", name="Put on hold").click()
    expect(page.locator("#detail-error")).to_contain_text("Say what the incident waits for.")
    expect(page.locator("#detail-error")).to_be_focused()
    expect(page.locator(".site-header")).to_be_visible()
    expect(page.locator("details[data-action=hold]")).to_have_attribute("open", "")

    # With a note it goes on hold; the message names the status as people see it.
    page.locator("details[data-action=hold]").get_by_label("Note").fill("Waiting for the datacentre window.")
    page.locator("details[data-action=hold]").get_by_role("button", name="Put on hold").click()
    expect(page.locator(".detail-head .status")).to_have_text("On hold")
    expect(page.locator("#messages")).to_contain_text("is now on hold.")
    expect(page.locator("#timeline li").first).to_contain_text("Waiting for: Other")
