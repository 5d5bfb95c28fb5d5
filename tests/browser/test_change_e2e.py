"""Issue #8's "Done when", walked in real Chromium as the people who do it:

1. `agent` files a normal change (plans, risk questionnaire, a CI, a planned window) with two tasks and
   submits it; it is high risk, so `chgmgr` assesses it with a note;
2. `lead`, `owner` and `opsmgr` each approve it from their CAB queue: it is approved;
3. `agent` schedules it from its page: the planned window falls in a freeze window and is refused in
   place, naming the freeze; moved out of the freeze, it is scheduled;
4. a second change on the same CI, approved, is refused a window overlapping the first one's, the
   page naming the first change's number and the CI (409);
5. the first change is started, its tasks done, completed as successful, reviewed and closed;
6. it is on the calendar (week of its window) and in the iCalendar feed at the user's secret address;
7. its timeline shows every step.
No page answers with a server error along the way."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Locator, Page, expect

from catalog.models import Criticality
from catalog.tests.factories import ConfigurationItemFactory, ServiceFactory
from changes.approvals import change_vote
from changes.freeze import freeze_window_create
from changes.models import Change, Status
from changes.services import change_create, change_submit
from changes.tests.approval_factories import ensure_change_reference_data
from core import roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOT = "/tmp/opsdesk-change-e2e.png"
CONFLICT_SCREENSHOT = "/tmp/opsdesk-change-e2e-conflict.png"
TITLE = "Upgrade pay-db-1 to PostgreSQL 16"
BOARD = [
    ("lead", roles.CAB_TECH_LEAD, "Technical lead"),
    ("owner", roles.CAB_PRODUCT_OWNER, "Product owner"),
    ("opsmgr", roles.CAB_OPS_MANAGER, "Operations manager"),
]
PLANS = {
    "Implementation plan": "1. Take a base backup. 2. Fail over to the replica. 3. Upgrade. 4. Fail back.",
    "Rollback plan": "Fail back to the untouched replica; restore the base backup if needed.",
    "Test plan": "Rehearsed on staging; payment smoke suite after each step.",
}
TASKS = ("Fail over to the replica", "Upgrade and fail back")


def _user(username: str, role: str):
    person = get_user_model().objects.create_user(username, password="opsdesk")
    person.groups.add(Group.objects.get_or_create(name=role)[0])
    return person


def _local(at) -> str:
    """What a datetime-local input holds for `at`."""
    return timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")


def sign_in(page: Page, base: str, username: str, path: str) -> None:
    page.goto(f"{base}/login/?next={path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("opsdesk")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name=f"Signed in as {username}:")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/"))


def act(page: Page, action: str, **fields: str) -> None:
    """Open an action panel of the change page, fill its fields (by label) and send it."""
    panel = page.locator(f'details[data-action="{action}"]')
    panel.locator("summary").click()
    for label, value in fields.items():
        field = panel.get_by_label(label)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    panel.locator('button[type="submit"]').click()


def status_badge(page: Page) -> Locator:
    return page.locator(".detail-head .status")


def test_a_normal_change_from_filing_to_close(live_server, page: Page):
    ContentType.objects.clear_cache()  # a transactional test before this one may have left stale ids
    ensure_change_reference_data()
    agent = _user("agent", roles.AGENT)
    _user("chgmgr", roles.CHANGE_MANAGER)
    board = {username: _user(username, role) for username, role, _label in BOARD}
    manager = _user("manager", roles.MANAGER)
    payments = ServiceFactory(name="Payments", slug="payments", criticality=Criticality.CRITICAL)
    pay_db = ConfigurationItemFactory(name="pay-db-1", service=payments)
    pay_api = ConfigurationItemFactory(name="pay-api", service=payments)
    checkout = ConfigurationItemFactory(name="checkout-web", service=payments)
    pay_api.depends_on.add(pay_db)
    checkout.depends_on.add(pay_api)
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    freeze_window_create(
        actor=manager,
        name="Quarter-end freeze",
        starts_at=midnight + timedelta(days=2),
        ends_at=midnight + timedelta(days=3),
        reason="Finance closes the quarter.",
    )
    in_freeze = midnight + timedelta(days=2, hours=10)
    window = (midnight + timedelta(days=4, hours=10), midnight + timedelta(days=4, hours=12))
    server_errors = []
    page.on("response", lambda r: r.status >= 500 and server_errors.append(f"{r.status} {r.url}"))
    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)
    base = live_server.url

    # 1. agent files the change, adds its tasks and submits it.
    sign_in(page, base, "agent", "/changes/new/")
    expect(page.get_by_role("heading", name="New change")).to_be_visible()
    page.get_by_label("Title").fill(TITLE)
    expect(page.get_by_label("Type")).to_have_value("normal")
    page.get_by_label("Justification").fill("PostgreSQL 12 is out of support.")
    for label, text in PLANS.items():
        page.get_by_label(label).fill(text)
    page.get_by_label("Planned start").fill(_local(in_freeze))
    page.get_by_label("Planned end").fill(_local(in_freeze + timedelta(hours=2)))
    page.get_by_label("Services").select_option(label="Payments")
    page.get_by_label("Configuration items").select_option(label="pay-db-1")
    page.get_by_label("Implementer").select_option(label="agent")
    page.get_by_label("The change requires an outage").check()
    page.get_by_label("How hard is the rollback?").select_option("moderate")
    page.get_by_role("button", name="File as draft").click()
    expect(page.get_by_text("filed as a draft.")).to_be_visible()
    number = page.locator(".detail-head .number").inner_text()
    change = Change.objects.get(number=number)
    for title in TASKS:
        page.locator("#tasks summary").click()
        page.locator("#task_title").fill(title)
        page.get_by_role("button", name="Add task").click()
        expect(page.locator("#tasks li[data-task]").filter(has_text=title)).to_be_visible()
    act(page, "submit")
    expect(status_badge(page)).to_have_text("Assessment")
    expect(page.locator("#risk")).to_contain_text("High")
    expect(page.locator("#risk")).to_contain_text("Requires an outage")
    expect(page.get_by_text("waits for a change manager's assessment")).to_be_visible()
    sign_out(page)

    sign_in(page, base, "chgmgr", f"/changes/{change.pk}/")
    act(page, "assess", **{"Assessment note": "Outage booked with the payments team; rollback rehearsed."})
    expect(status_badge(page)).to_have_text("Awaiting approval")
    sign_out(page)

    # 2. The board approves it, one member after the other, from the CAB queue.
    for count, (username, _role, label) in enumerate(BOARD, start=1):
        sign_in(page, base, username, "/changes/cab/")
        row = page.locator(f'tr[data-change="{number}"]')
        expect(row).to_contain_text(TITLE)
        row.get_by_label("Comment").fill(f"Fine from the {label.lower()}'s side.")
        row.get_by_role("button", name="Approve").click()
        expect(row).to_contain_text(f"You approved {number} as {label}.")
        expect(row).to_contain_text(f"{count} of 3 approvals")
        sign_out(page)
    expect(page).to_have_url(re.compile(r"/login/"))

    # 3. agent schedules it: the planned window is in the freeze (refused in place); moved out, it is booked.
    sign_in(page, base, "agent", f"/changes/{change.pk}/")
    expect(status_badge(page)).to_have_text("Approved")
    panel = page.locator('details[data-action="schedule"]')
    panel.locator("summary").click()
    expect(panel.get_by_label("Window start")).to_have_value(_local(in_freeze))
    with page.expect_response(lambda r: r.request.method == "POST") as refused:
        panel.get_by_role("button", name="Schedule").click()
    assert refused.value.status == 409
    expect(page.locator("#schedule-error")).to_contain_text("Quarter-end freeze")
    expect(page.locator("#schedule-error")).to_contain_text("cannot be scheduled into a freeze")
    expect(status_badge(page)).to_have_text("Approved")
    panel.get_by_label("Window start").fill(_local(window[0]))
    panel.get_by_label("Window end").fill(_local(window[1]))
    panel.get_by_label("Note (optional)").fill("After the quarter-end freeze.")
    panel.get_by_role("button", name="Schedule").click()
    expect(page.get_by_text(f"{number} is scheduled for")).to_be_visible()
    expect(status_badge(page)).to_have_text("Scheduled")
    expect(page.locator("#fields-heading + dl")).to_contain_text(
        timezone.localtime(window[0]).strftime("%Y-%m-%d %H:%M")
    )

    # 4. A second change on pay-db-1, approved, cannot take an overlapping window: the page names the conflict.
    second = change_create(
        actor=agent,
        title="Tune autovacuum on pay-db-1",
        implementation_plan="Apply the new settings.",
        rollback_plan="Revert the settings.",
        test_plan="Watch the bloat dashboard.",
        cis=[pay_db],
        services=[payments],
        planned_start=window[0] + timedelta(hours=1),
        planned_end=window[1] + timedelta(hours=1),
    )
    change_submit(change=second, actor=agent)
    for username, _role, _label in BOARD:
        change_vote(change=second, actor=board[username], decision="approve")
    page.goto(f"{base}/changes/{second.pk}/")
    expect(status_badge(page)).to_have_text("Approved")
    panel = page.locator('details[data-action="schedule"]')
    panel.locator("summary").click()
    expect(panel.locator(f'[data-conflict="{number}"]')).to_contain_text("pay-db-1")
    with page.expect_response(lambda r: r.request.method == "POST") as refused:
        panel.get_by_role("button", name="Schedule").click()
    assert refused.value.status == 409
    error = page.locator("#schedule-error")
    expect(error).to_contain_text(f"collides with {number}")
    expect(error).to_contain_text("pay-db-1")
    page.screenshot(path=CONFLICT_SCREENSHOT, full_page=True)
    expect(status_badge(page)).to_have_text("Approved")
    second.refresh_from_db()
    assert second.status == Status.APPROVED

    # 5. The first change is implemented, reviewed and closed.
    page.goto(f"{base}/changes/{change.pk}/")
    act(page, "start")
    expect(status_badge(page)).to_have_text("Implementing")
    for title in TASKS:
        task = page.locator("#tasks li[data-task]").filter(has_text=title)
        task.get_by_role("button", name="Start").click()
        task = page.locator("#tasks li[data-task]").filter(has_text=title)
        expect(task).to_contain_text("In progress")
        task.get_by_role("button", name="Done").click()
        expect(page.locator("#tasks li[data-task]").filter(has_text=title)).to_contain_text("Done")
    act(page, "complete", Outcome="Successful", **{"How did it go?": "Upgraded in 40 minutes."})
    expect(status_badge(page)).to_have_text("Implemented")
    act(
        page,
        "review",
        **{
            "What happened": "No incident; payments paused for 3 minutes.",
            "Lessons learned": "Warm the cache.",
        },
    )
    expect(status_badge(page)).to_have_text("In review")
    act(page, "close")
    expect(status_badge(page)).to_have_text("Closed")

    # 7. Its timeline shows every step, in order.
    steps = [
        "Draft → Submitted",
        "Submitted → Assessment",
        "Assessment → Awaiting approval",
        "Approved as Technical lead",
        "Approved as Product owner",
        "Approved as Operations manager",
        "Awaiting approval → Approved",
        "Approved → Scheduled",
        "Scheduled → Implementing",
        "Implementing → Implemented",
        "Implemented → In review",
        "In review → Closed",
    ]
    entries = page.locator("#timeline > li").all_inner_texts()
    found = [next((i for i, text in enumerate(entries) if step in text), None) for step in steps]
    assert None not in found, dict(zip(steps, found, strict=True))
    assert found == sorted(found), dict(zip(steps, found, strict=True))
    assert "Outage booked with the payments team" in entries[found[2]]  # the change manager's note
    page.screenshot(path=SCREENSHOT, full_page=True)

    # 6. On the calendar (the week of its window) and in the feed at the user's secret address.
    page.goto(f"{base}/changes/calendar/?view=week&date={timezone.localtime(window[0]):%Y-%m-%d}")
    expect(page.get_by_role("link", name=f"{number} {TITLE}").first).to_be_visible()
    page.get_by_role("button", name="Create my feed address").click()
    feed_url = page.get_by_label("Your feed address").input_value()
    feed = page.request.get(feed_url)
    assert feed.status == 200
    events = [
        e for e in Calendar.from_ical(feed.body()).walk("VEVENT") if str(e["SUMMARY"]).startswith(number)
    ]
    assert len(events) == 1
    assert events[0].decoded("DTSTART") == window[0]
    assert events[0].decoded("DTEND") == window[1]
    assert server_errors == []
