"""The incident page's parts fetched on demand (issue #7), in real Chromium: "Show older entries" appends
the next page of the timeline until the first entry, and the watcher picker loads when opened and adds
the person chosen."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from catalog.models import Service
from core import roles
from incidents import selectors, services
from incidents.tests.factories import incident_in_state
from tests.browser.helpers import htmx_settled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_older_timeline_entries_and_the_watcher_picker_load_on_demand(live_server, page: Page, monkeypatch):
    monkeypatch.setattr(selectors, "TIMELINE_PAGE", 5)
    agent = get_user_model().objects.create_user("agent", password="opsdesk")
    alice = get_user_model().objects.create_user("alice", password="opsdesk")
    for user in (agent, alice):
        user.groups.add(Group.objects.get_or_create(name=roles.AGENT)[0])
    service = Service.objects.create(name="Payments", slug="payments")
    incident = incident_in_state("in_progress", reporter=agent, service=service, title="Card payments fail")
    for n in range(8):
        services.incident_comment_add(incident=incident, actor=agent, body=f"Update {n}")
    total = len(selectors.incident_timeline(incident=incident, viewer=agent))

    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/login/?next=/incidents/{incident.pk}/")
    page.get_by_label("Username").fill("agent")
    page.get_by_label("Password").fill("opsdesk")
    page.get_by_role("button", name="Sign in").click()
    entries = page.locator("#timeline > li")
    expect(entries).to_have_count(5)
    expect(entries.first).to_contain_text("Update 7")

    older = page.get_by_role("link", name="Show older entries")
    older.click()
    expect(entries).to_have_count(min(10, total))
    while total > entries.count():
        older.click()
        expect(entries).to_have_count(min(entries.count() + 5, total))
    expect(entries.last).to_contain_text("Filed as")
    expect(older).to_have_count(0)

    with htmx_settled(page, within="#watchers"):
        page.locator("summary", has_text="Add a watcher").click()
    page.get_by_label("Add a watcher").fill("alice")  # a username, with suggestions as one types
    page.get_by_role("button", name="Add watcher").click()
    expect(page.locator(".watcher-list")).to_contain_text("alice")
    expect(page.get_by_text(f"alice now watches {incident.number}.")).to_be_visible()
