"""Saved views (a person's named bookmarks of the queue's filters and sort, shareable by link) and the
CSV export of the current view (same filters and order, every row, streamed)."""

import csv
import io
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from core import csv_stream
from incidents.models import Level
from incidents.saved_views import MAX_PER_USER, SavedView
from incidents.tests.factories import incident_in_state
from incidents.tests.ui_helpers import QUEUE, file, rows

pytestmark = pytest.mark.django_db

SAVE = reverse("incidents:save_view")
EXPORT = reverse("incidents:export_csv")


def delete_url(view) -> str:
    return reverse("incidents:delete_view", args=[view.pk])


# --- saved views ------------------------------------------------------------------------------


def test_a_saved_view_is_listed_for_its_owner_only_and_its_link_works_for_anyone(
    client, agent, manager, service, incident_factory
):
    p1 = file(incident_factory, service, agent, impact=Level.HIGH, urgency=Level.HIGH)
    file(incident_factory, service, agent)
    client.force_login(agent)

    response = client.post(
        SAVE, {"name": "  My   P1s ", "query": "priority=1&is_open=true&page=3&bogus=x&sort=-age"}
    )

    view = SavedView.objects.get()
    assert (view.owner, view.name, view.query) == (agent, "My P1s", "is_open=true&priority=1&sort=-age")
    assert response.status_code == 302 and response["Location"] == f"{QUEUE}?{view.query}"
    html = client.get(QUEUE).content.decode()
    assert f'href="{QUEUE}?is_open=true&amp;priority=1&amp;sort=-age">My P1s</a>' in html
    assert 'Saved views <span class="count">(1)</span>' in html

    client.force_login(manager)
    assert "My P1s" not in client.get(QUEUE).content.decode()
    shared = client.get(response["Location"])  # the link is the view: no copy of the bookmark needed
    assert rows(shared) == [p1.number]


def test_saving_a_name_again_replaces_its_filters(agent_client, agent):
    agent_client.post(SAVE, {"name": "Mine", "query": "mine=true"})
    agent_client.post(SAVE, {"name": "Mine", "query": "mine=true&sort=due"})
    assert list(SavedView.objects.values_list("name", "query")) == [("Mine", "mine=true&sort=due")]


@pytest.mark.parametrize(
    "name, message", [("   ", "A name is required."), ("x" * 81, "At most 80 characters.")]
)
def test_a_bad_name_is_a_400_in_place(agent_client, incident, name, message):
    response = agent_client.post(SAVE, {"name": name, "query": "is_open=true&sort=-age"})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert '<details class="saved-views" open>' in html
    assert 'aria-sort="descending"' in html  # the queue it was saving, still shown
    assert not SavedView.objects.exists()


def test_a_person_has_at_most_so_many_views(agent_client, agent):
    SavedView.objects.bulk_create(SavedView(owner=agent, name=f"v{n}", query="") for n in range(MAX_PER_USER))
    response = agent_client.post(SAVE, {"name": "one more", "query": ""})
    assert response.status_code == 400
    assert f"You have {MAX_PER_USER} saved views: delete one first." in response.content.decode()
    assert (
        agent_client.post(SAVE, {"name": "v3", "query": "mine=true"}).status_code == 302
    )  # replacing is fine


def test_only_the_owner_deletes_a_view(client, agent, manager):
    view = SavedView.objects.create(owner=agent, name="Mine", query="mine=true")
    client.force_login(manager)
    assert client.post(delete_url(view)).status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()
    client.force_login(agent)
    response = client.post(delete_url(view), {"next": "is_open=false"})
    assert response.status_code == 302 and response["Location"] == f"{QUEUE}?is_open=false"
    assert not SavedView.objects.exists()
    assert client.get(delete_url(view)).status_code == 405


# --- CSV export -------------------------------------------------------------------------------


def read(response) -> list[dict]:
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="incidents-')
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_export_has_the_views_rows_in_its_order_with_labels_and_links(
    agent_client, agent, manager, service, incident_factory
):
    older = file(incident_factory, service, agent, impact=Level.HIGH, urgency=Level.HIGH, assignee=manager)
    newer = file(incident_factory, service, agent, title="=HYPERLINK(evil)")
    resolved = incident_in_state("resolved", service=service, reporter=agent)

    exported = read(agent_client.get(EXPORT, {"is_open": "true", "sort": "age"}))  # newest first

    assert (
        [row["number"] for row in exported]
        == [newer.number, older.number]
        == rows(agent_client.get(QUEUE, {"is_open": "true", "sort": "age"}))
    )
    first, second = exported
    assert first["title"] == "'=HYPERLINK(evil)"  # a spreadsheet would run it
    assert (second["priority"], second["status"], second["assignee"], second["service"]) == (
        "P1 critical", "New", "manager", "Payments"
    )  # fmt: skip
    assert second["url"] == f"http://testserver/incidents/{older.pk}/"
    assert second["created_at"] == older.created_at.isoformat()
    assert second["sla_due_at"] and second["resolved_at"] == ""
    everything = read(agent_client.get(EXPORT, {"is_open": ""}))
    assert {row["number"] for row in everything} == {older.number, newer.number, resolved.number}
    assert read(agent_client.get(EXPORT))[0]["number"] == older.number  # no filter: the open ones


def test_export_gives_instants_in_the_readers_zone(agent_client, agent, service, incident_factory):
    from core.profiles import profile_update

    profile_update(user=agent, time_zone="Asia/Tokyo")
    incident = file(incident_factory, service, agent)

    [row] = read(agent_client.get(EXPORT, {"is_open": "true"}))  # read after the request has ended

    assert row["created_at"].endswith("+09:00")
    assert row["created_at"] == incident.created_at.astimezone(ZoneInfo("Asia/Tokyo")).isoformat()


def test_export_streams_in_chunks_with_the_same_queries_for_any_number_of_rows(
    agent_client, agent, service, incident_factory, monkeypatch, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(csv_stream, "ROWS_PER_CHUNK", 2)
    monkeypatch.setattr(csv_stream, "FETCH_ROWS", 2)
    file(incident_factory, service, agent)
    with CaptureQueriesContext(connection) as few:
        assert len(read(agent_client.get(EXPORT))) == 1
    for _ in range(6):
        file(incident_factory, service, agent)
    with django_assert_num_queries(len(few.captured_queries)):
        response = agent_client.get(EXPORT)
        chunks = list(response.streaming_content)
    assert len(chunks) == 4  # the header and 7 rows, 2 lines a chunk
    assert b"".join(chunks).count(b"\r\n") == 8


def test_export_with_bad_filters_is_a_400_saying_which(agent_client, incident):
    response = agent_client.get(EXPORT, {"priority": "9"})
    assert response.status_code == 400
    assert response.content.decode().startswith("priority: Select a valid choice.")


def test_export_needs_a_signed_in_person(client, incident):
    response = client.get(EXPORT)
    assert response.status_code == 302 and "/login/" in response["Location"]
