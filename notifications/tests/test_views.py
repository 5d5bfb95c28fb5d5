"""The bell in the browser: unread count, the latest ten, mark read, only one's own."""

import pytest
from django.test import Client

from core import roles
from notifications.models import Notification

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def alice(make_user):
    return make_user(roles.AGENT, username="alice")


@pytest.fixture
def browser(client, alice):
    client.force_login(alice)
    return client


def unread(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def test_bell_shows_the_unread_count_and_the_latest_ten_of_ones_own(
    browser, alice, make_user, notification_factory
):
    own = [notification_factory(recipient=alice, title=f"Mine {i}") for i in range(12)]
    Notification.objects.filter(pk=own[0].pk).update(read_at="2026-01-01T00:00Z")
    notification_factory(recipient=make_user(roles.AGENT), title="Not mine")
    response = browser.get("/notifications/bell/", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-label="Notifications: 11 unread"' in html
    assert ">11</span>" in html
    assert "Mine 11" in html and "Mine 2" in html and "Mine 1<" not in html  # the latest ten
    assert "Not mine" not in html
    assert "<details" in html and "<summary" in html  # keyboard-operable disclosure


def test_bell_caps_a_large_count(browser, alice, notification_factory, settings):
    Notification.objects.bulk_create(
        [Notification(recipient=alice, event_type="x", event_key=f"k{i}", title="t") for i in range(120)]
    )
    assert ">99+</span>" in browser.get("/notifications/bell/", **HTMX).content.decode()


def test_bell_costs_a_fixed_number_of_queries(
    browser, alice, notification_factory, django_assert_num_queries
):
    for _ in range(15):
        notification_factory(recipient=alice)
    with django_assert_num_queries(4):  # session, user, count, latest ten
        browser.get("/notifications/bell/", **HTMX)


def test_mark_all_read_from_the_bell_returns_the_updated_bell(browser, alice, notification_factory):
    for _ in range(3):
        notification_factory(recipient=alice)
    response = browser.post("/notifications/mark-read/", {"all": "1"}, **HTMX)
    assert response.status_code == 200 and response["HX-Trigger"] == "notifications-changed"
    assert 'aria-label="Notifications: 0 unread"' in response.content.decode()
    assert unread(alice) == 0


def test_mark_one_read_without_htmx_redirects_back(browser, alice, notification_factory):
    first, second = notification_factory(recipient=alice), notification_factory(recipient=alice)
    response = browser.post(
        "/notifications/mark-read/", {"id": first.pk, "next": "/notifications/?unread=true"}
    )
    assert response.status_code == 302 and response["Location"] == "/notifications/?unread=true"
    assert list(Notification.objects.filter(read_at__isnull=True)) == [second]
    evil = browser.post("/notifications/mark-read/", {"id": second.pk, "next": "https://evil.example/"})
    assert evil["Location"] == "/notifications/"


def test_mark_read_needs_ids_or_all(browser):
    assert browser.post("/notifications/mark-read/", {}).status_code == 400
    assert browser.post("/notifications/mark-read/", {"id": "x"}).status_code == 400
    assert browser.get("/notifications/mark-read/").status_code == 405


def test_one_cannot_mark_or_open_another_users_notification(browser, make_user, notification_factory):
    bobs = notification_factory(recipient=make_user(roles.AGENT))
    browser.post("/notifications/mark-read/", {"id": bobs.pk})
    assert browser.post(f"/notifications/{bobs.pk}/open/").status_code == 404
    bobs.refresh_from_db()
    assert bobs.read_at is None


def test_open_marks_read_and_follows_local_links_only(browser, alice, notification_factory):
    local = notification_factory(recipient=alice, url="/incidents/7/")
    external = notification_factory(recipient=alice, url="https://evil.example/")
    response = browser.post(f"/notifications/{local.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/incidents/7/"
    assert browser.post(f"/notifications/{external.pk}/open/")["Location"] == "/notifications/"
    assert unread(alice) == 0
    htmx = browser.post(f"/notifications/{local.pk}/open/", **HTMX)
    assert htmx["HX-Redirect"] == "/incidents/7/"


def test_the_list_page_pages_newest_first_and_filters_unread(browser, alice, notification_factory):
    items = [notification_factory(recipient=alice, title=f"Item {i:02d}") for i in range(30)]
    Notification.objects.filter(pk=items[29].pk).update(read_at="2026-01-01T00:00Z")
    html = browser.get("/notifications/").content.decode()
    assert html.index("Item 29") < html.index("Item 05") and "Item 04" not in html  # 25 a page
    assert "Page 1 of 2" in html and "Mark all read" in html
    assert "Item 04" in browser.get("/notifications/?page=2").content.decode()
    assert "Item 29" not in browser.get("/notifications/?unread=true").content.decode()


def test_posts_need_the_csrf_token(alice, notification_factory):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    notification_factory(recipient=alice)
    assert strict.post("/notifications/mark-read/", {"all": "1"}).status_code == 403
    assert unread(alice) == 1


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get("/notifications/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=/notifications/")
    htmx = client.get("/notifications/bell/", **HTMX)
    assert htmx["HX-Redirect"].startswith("/login/")
    assert client.post("/notifications/mark-read/", {"all": "1"}).status_code == 302


def test_the_bell_slot_renders_for_signed_in_users_only(rf, alice):
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.user = alice
    slot = render_to_string("notifications/_bell_slot.html", {"user": alice}, request=request)
    assert 'hx-get="/notifications/bell/"' in slot and 'href="/notifications/"' in slot
    assert render_to_string("notifications/_bell_slot.html", {"user": AnonymousUser()}).strip() == ""
