"""In real Chromium: the queue's active-filter chips follow the filter panel's htmx changes and
remove their filter; the incident page's person picker fills its datalist as one types."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from catalog.models import Service
from core import roles
from incidents import services
from incidents.models import Level
from tests.browser.helpers import htmx_settled, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def desk(transactional_db):
    agent = get_user_model().objects.create_user("agent", password="opsdesk")
    agent.groups.add(Group.objects.get_or_create(name=roles.AGENT)[0])
    viewers = Group.objects.get_or_create(name=roles.VIEWER)[0]
    for name in ("grace", "greta", "linus"):
        get_user_model().objects.create_user(name, password="x").groups.add(viewers)
    payments = Service.objects.create(name="Payments", slug="payments")
    made = [
        services.incident_create(
            actor=agent,
            title=f"Checkout fails ({n})",
            service=payments,
            impact=Level.MEDIUM,
            urgency=Level.MEDIUM,
            assignee=agent if n == 0 else None,
        )
        for n in range(3)
    ]
    return agent, made


def test_chips_follow_the_panel_and_remove_their_filter(live_server, page: Page, desk):
    page.set_default_timeout(10_000)
    sign_in(page, live_server.url, "agent", "/incidents/?unassigned=true&is_open=true")
    chips = page.get_by_role("list", name="Active filters")
    expect(chips.locator(".filter-chip > span")).to_have_text(["Unassigned"])
    expect(page.locator("table.queue tbody tr[data-incident]")).to_have_count(2)
    expect(page.locator("details.filter-panel > summary")).to_contain_text("(1 set)")

    page.locator("details.filter-panel > summary").click()
    page.get_by_label("Assigned to me").check()  # an htmx change: the table, its chips and the count follow
    expect(chips.locator(".filter-chip > span")).to_have_text(["Unassigned", "Assigned to me"])
    expect(page.locator("details.filter-panel > summary")).to_contain_text("(2 set)")
    expect(page.locator("table.queue tbody tr[data-incident]")).to_have_count(0)

    page.get_by_role("link", name="Remove the filter Unassigned").click()
    expect(chips.locator(".filter-chip > span")).to_have_text(["Assigned to me"])
    expect(page.locator("table.queue tbody tr[data-incident]")).to_have_count(1)


def test_the_watcher_picker_offers_matches_as_one_types(live_server, page: Page, desk):
    page.set_default_timeout(10_000)
    _, made = desk
    sign_in(page, live_server.url, "agent", f"/incidents/{made[0].pk}/")
    with htmx_settled(page, within="#watchers"):
        page.locator("summary", has_text="Add a watcher").click()  # the picker loads when opened
    picker = page.get_by_label("Add a watcher")
    picker.fill("gr")
    options = page.locator("#watch_user-options option")
    expect(options).to_have_count(2)
    assert options.evaluate_all("(all) => all.map((o) => o.value)") == ["grace", "greta"]
    picker.fill("greta")
    page.get_by_role("button", name="Add watcher").click()
    expect(page.locator(".watcher-list")).to_contain_text("greta")
