"""The change advisory board in real Chromium: a normal change awaits approval; `lead`, `owner` and
`opsmgr` each sign in, find it in their CAB queue and approve it with a comment; it is approved."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from playwright.sync_api import Page, expect

from changes.models import ChangeApproval, Status
from changes.tests.approval_factories import change_awaiting_approval
from core import roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOT = "/tmp/opsdesk-cab-queue.png"
BOARD = [
    ("lead", roles.CAB_TECH_LEAD, "Technical lead"),
    ("owner", roles.CAB_PRODUCT_OWNER, "Product owner"),
    ("opsmgr", roles.CAB_OPS_MANAGER, "Operations manager"),
]


def user(username: str, role: str):
    person = get_user_model().objects.create_user(username, password="opsdesk")
    person.groups.add(Group.objects.get_or_create(name=role)[0])
    return person


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/changes/cab/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/changes/cab/$"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("opsdesk")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Awaiting my approval")).to_be_visible()
    expect(page.get_by_role("link", name=f"Signed in as {username}:")).to_be_visible()


def test_three_cab_members_approve_a_normal_change(live_server, page: Page):
    ContentType.objects.clear_cache()  # a transactional test before this one may have left stale ids
    requester = user("agent", roles.AGENT)
    for username, role, _label in BOARD:
        user(username, role)
    change = change_awaiting_approval(requester=requester, title="Upgrade the payment gateway to 5.1")
    page.set_default_timeout(10_000)

    for count, (username, _role, label) in enumerate(BOARD, start=1):
        sign_in(page, live_server.url, username)
        row = page.locator(f'tr[data-change="{change.number}"]')
        expect(row).to_contain_text("Upgrade the payment gateway to 5.1")
        expect(row).to_contain_text(f"{count - 1} of 3 approvals")
        if count == 1:
            page.screenshot(path=SCREENSHOT, full_page=True)
        row.get_by_label("Comment").fill(f"Fine from the {label.lower()}'s side.")
        row.get_by_role("button", name="Approve").click()
        # htmx redraws just this row: the vote is recorded, the form is gone.
        expect(row).to_contain_text(f"You approved {change.number} as {label}.")
        expect(row.get_by_role("button", name="Approve")).to_have_count(0)
        expect(row).to_contain_text(f"{count} of 3 approvals")
        if count < len(BOARD):
            expect(row.locator(".status")).to_have_text("Awaiting approval")
        else:  # the third approval approves the change
            expect(row).to_contain_text(f"{change.number} is now approved.")
            expect(row.locator(".status")).to_have_text("Approved")
        page.get_by_role("button", name="Log out").click()
        expect(page).to_have_url(re.compile(r"/login/"))

    # Nothing is left for the board to vote on; the database agrees.
    sign_in(page, live_server.url, "lead")
    expect(page.locator(f'tr[data-change="{change.number}"]')).to_have_count(0)
    expect(page.locator(".cab-queue .empty")).to_have_text("Nothing awaits your approval.")
    change.refresh_from_db()
    assert change.status == Status.APPROVED
    assert list(ChangeApproval.objects.filter(change=change).values_list("voter__username", flat=True)) == [
        "lead", "owner", "opsmgr"
    ]  # fmt: skip
