"""Watchers through the API: GET/POST /api/v1/incidents/{id}/watchers/ and
DELETE /api/v1/incidents/{id}/watchers/{user_id}/, with the detail page's rules (yourself with any
role; someone else only with the right to edit incidents), people by id."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import roles
from core.models import TimelineEntry
from incidents.tests.factories import incident_in_state

pytestmark = pytest.mark.django_db


def watchers_url(incident, user=None):
    return f"/api/v1/incidents/{incident.pk}/watchers/" + (f"{user.pk}/" if user is not None else "")


def watcher_names(client, incident) -> list[str]:
    response = client.get(watchers_url(incident))
    assert response.status_code == 200, response.json()
    return [row["username"] for row in response.json()["results"]]


@pytest.fixture
def alice(make_user):
    return make_user(roles.VIEWER, username="alice")


def test_anyone_with_a_role_watches_and_unwatches_themselves(client_for, incident, viewer):
    api = client_for(viewer)
    added = api.post(watchers_url(incident), {}, format="json")
    assert added.status_code == 201, added.json()
    assert added.json() == {"id": viewer.pk, "username": viewer.username}
    again = api.post(watchers_url(incident), {}, format="json")
    assert again.status_code == 200  # watching twice changes nothing
    assert watcher_names(api, incident) == [viewer.username]

    assert api.delete(watchers_url(incident, viewer)).status_code == 204
    assert api.delete(watchers_url(incident, viewer)).status_code == 204  # idempotent
    assert watcher_names(api, incident) == []
    changes = TimelineEntry.objects.filter(field="watchers").order_by("id")
    assert [(e.old_value, e.new_value) for e in changes] == [("", viewer.username), (viewer.username, "")]


def test_an_agent_adds_and_removes_others_by_id_or_username(client_for, incident, agent, alice, viewer):
    api = client_for(agent)
    assert api.post(watchers_url(incident), {"user": alice.pk}, format="json").status_code == 201
    assert api.post(watchers_url(incident), {"user": viewer.username}, format="json").status_code == 201
    assert watcher_names(api, incident) == ["alice", "viewer"]  # by username
    assert api.delete(watchers_url(incident, alice)).status_code == 204
    assert watcher_names(api, incident) == ["viewer"]


def test_a_viewer_cannot_add_or_remove_someone_else(client_for, incident, agent, viewer, alice):
    client_for(agent).post(watchers_url(incident), {"user": alice.pk}, format="json")
    api = client_for(viewer)
    refused = api.post(watchers_url(incident), {"user": alice.pk}, format="json")
    assert refused.status_code == 403, refused.json()
    assert api.delete(watchers_url(incident, alice)).status_code == 403
    assert watcher_names(api, incident) == ["alice"]


def test_bad_input_is_a_400_naming_the_field(client_for, incident, agent, make_user):
    api = client_for(agent)
    unknown = api.post(watchers_url(incident), {"user": 999999}, format="json")
    assert unknown.status_code == 400 and "user" in unknown.json()["fields"]
    stray = api.post(watchers_url(incident), {"username": "alice"}, format="json")
    assert stray.status_code == 400 and "username" in stray.json()["fields"]
    no_role = make_user(username="stranger")
    refused = api.post(watchers_url(incident), {"user": no_role.pk}, format="json")
    assert refused.status_code == 400 and "user" in refused.json()["fields"]
    assert watcher_names(api, incident) == []


def test_unknown_people_and_incidents_are_404(client_for, incident, agent):
    api = client_for(agent)
    assert api.delete(f"/api/v1/incidents/{incident.pk}/watchers/999999/").status_code == 404
    assert api.delete(f"/api/v1/incidents/{incident.pk}/watchers/{2**70}/").status_code == 404
    assert api.get("/api/v1/incidents/999999/watchers/").status_code == 404


def test_a_closed_incident_takes_no_new_watcher_409(client_for, agent, service):
    closed = incident_in_state("closed", service=service, reporter=agent)
    response = client_for(agent).post(watchers_url(closed), {}, format="json")
    assert response.status_code == 409, response.json()
    assert "closed" in response.json()["message"].lower()


def test_someone_without_a_role_is_refused(client_for, incident, make_user):
    stranger = make_user(username="stranger")
    assert client_for(stranger).post(watchers_url(incident), {}, format="json").status_code == 403


def test_the_list_reads_a_fixed_number_of_queries(client_for, incident, agent, make_user):
    api = client_for(agent)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(watchers_url(incident)).status_code == 200
        return len(queries)

    api.post(watchers_url(incident), {}, format="json")
    one = count()
    for n in range(5):
        api.post(
            watchers_url(incident), {"user": make_user(roles.VIEWER, username=f"w{n}").pk}, format="json"
        )
    assert count() == one
    assert len(watcher_names(api, incident)) == 6
