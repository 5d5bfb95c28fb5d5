"""Person pickers: an input with a datalist filled by /people/options/ (at most 20 matches), so the
incident page never lists every account; the caller and add-watcher fields take a username."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import roles
from core.user_picker import MAX_OPTIONS
from incidents.tests.ui_helpers import HTMX, detail_url, reload

pytestmark = pytest.mark.django_db

OPTIONS = "/people/options/"


def offered(response) -> list[str]:
    return re.findall(r'<option value="([^"]*)">', response.content.decode())


@pytest.fixture
def crowd(make_user):
    """30 people called crowd-00 … crowd-29, one of them with a name, and one who left."""
    people = [make_user(roles.VIEWER, username=f"crowd-{n:02}") for n in range(30)]
    people[7].first_name, people[7].last_name = "Grace", "Hopper"
    people[7].save()
    make_user(roles.VIEWER, username="crowd-gone", is_active=False)
    return people


def test_options_are_at_most_twenty_matches_by_username(client, agent, crowd):
    client.force_login(agent)
    response = client.get(OPTIONS, {"for": "caller", "caller": "crowd"}, **HTMX)
    assert response.status_code == 200
    assert offered(response) == [f"crowd-{n:02}" for n in range(MAX_OPTIONS)]  # not the one who left


def test_options_match_a_name_and_show_it(client, agent, crowd):
    client.force_login(agent)
    response = client.get(OPTIONS, {"for": "user", "user": "hopp"}, **HTMX)
    assert offered(response) == ["crowd-07"]
    assert ">Grace Hopper</option>" in response.content.decode()
    assert offered(client.get(OPTIONS, {"for": "user", "user": "nobody-like-this"})) == []


def test_options_need_a_role(client, make_user, crowd):
    assert client.get(OPTIONS, {"q": "crowd"}).status_code == 302  # to the login page
    client.force_login(make_user(username="stranger"))
    assert client.get(OPTIONS, {"q": "crowd"}).status_code == 403


def test_options_read_a_fixed_number_of_queries(client, agent, crowd, make_user):
    client.force_login(agent)

    def count(text) -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(OPTIONS, {"q": text})
        return len(queries)

    assert count("crowd-07") == count("crowd")


def test_the_incident_page_lists_no_account_beyond_the_ones_it_shows(client, agent, incident, crowd):
    client.force_login(agent)
    page = client.get(detail_url(incident)).content.decode()
    edit = client.get(f"/incidents/{incident.pk}/edit/", **HTMX).content.decode()  # the folded edit panel
    watch = client.get(f"/incidents/{incident.pk}/watchers/", **HTMX).content.decode()  # the folded picker
    assert "crowd-" not in page + edit + watch
    assert 'list="watch_user-options"' in watch and 'list="edit_caller-options"' in edit


def test_the_caller_is_set_by_username_and_a_wrong_one_is_said_in_place(client, agent, incident, crowd):
    client.force_login(agent)
    edit = client.get(f"/incidents/{incident.pk}/edit/", **HTMX).content.decode()
    version = re.search(r'name="version" value="(\d+)"', edit).group(1)
    form = {
        "title": incident.title,
        "description": incident.description,
        "service": incident.service_id,
        "impact": incident.impact,
        "urgency": incident.urgency,
        "version": version,
    }
    response = client.post(f"/incidents/{incident.pk}/edit/", {**form, "caller": "crowd-nope"}, **HTMX)
    assert response.status_code == 400
    assert "No active user &#x27;crowd-nope&#x27;" in response.content.decode()
    client.post(f"/incidents/{incident.pk}/edit/", {**form, "caller": " crowd-07 "}, **HTMX)
    assert reload(incident).caller == crowd[7]


def test_a_watcher_is_added_by_username(client, agent, incident, crowd):
    client.force_login(agent)
    client.post(f"/incidents/{incident.pk}/watchers/", {"watching": "1", "user": "crowd-03"})
    assert list(reload(incident).watchers.all()) == [crowd[3]]
    page = client.get(detail_url(incident)).content.decode()
    assert "crowd-03" in page and "crowd-04" not in page
