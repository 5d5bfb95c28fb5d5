"""The browser's error pages (issue #10 item 2): styled like every page, the 500 without the database or
context processors, and an htmx request's error as a fragment to swap in place, not a whole document."""

import pytest
from django.template import loader
from django.test import override_settings
from django.views import defaults

from incidents.tests.ui_helpers import HTMX

STYLESHEET = "/static/opsdesk/opsdesk.css"


def test_500_renders_styled_with_no_request_no_context_and_no_database(django_db_blocker):
    with django_db_blocker.block():  # any query would raise
        html = loader.get_template("500.html").render()
    assert STYLESHEET in html and "<h1>Something went wrong</h1>" in html
    assert "Signed in as" not in html


def test_500_view_answers_the_styled_page(rf):
    response = defaults.server_error(rf.get("/incidents/1/"))
    assert response.status_code == 500
    assert STYLESHEET in response.content.decode()


@pytest.mark.django_db
def test_404_is_the_styled_page_with_the_header(client, agent):
    client.force_login(agent)
    response = client.get("/incidents/999999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert STYLESHEET in html and "Signed in as" in html and "<h1>Not found</h1>" in html


@pytest.mark.django_db
def test_403_is_the_styled_page_naming_the_permission(client, viewer):
    client.force_login(viewer)
    response = client.get("/incidents/new/")
    html = response.content.decode()
    assert response.status_code == 403
    assert STYLESHEET in html and "Only agents and managers may file and work incidents." in html


@pytest.mark.django_db
def test_htmx_403_is_a_fragment_to_swap_in_place(client, viewer, incident):
    client.force_login(viewer)
    response = client.post(f"/incidents/{incident.pk}/escalate/", {"level": 0}, **HTMX)
    html = response.content.decode().strip()
    assert response.status_code == 403
    assert html.startswith('<div class="card error-fragment" role="alert"')
    assert "<html" not in html and "Only agents and managers" in html


@override_settings(DEBUG=True)
def test_debug_pages_do_not_load_the_django_htmx_debug_helper(rf):
    """Under DEBUG django-htmx's helper replaced the whole document with a 400's bare fragment."""
    html = loader.get_template("500.html").render()
    assert "django-htmx.js" not in html
    assert "/static/django_htmx/htmx-2.min.js" in html and "/static/opsdesk/htmx-errors.js" in html
