"""POST /api/v1/changes/{id}/schedule/ and GET /api/v1/changes/{id}/conflicts/."""

from datetime import timedelta

import pytest

from catalog.tests.factories import ConfigurationItemFactory
from changes.freeze import freeze_window_create
from changes.models import ChangeConflict, ChangeType, Status
from core import roles

from .scheduling_helpers import at, make_change

pytestmark = pytest.mark.django_db
CHANGES = "/api/v1/changes/"


@pytest.fixture
def api(client_for, agent):
    return client_for(agent)


@pytest.fixture
def cis(db):
    db_ci = ConfigurationItemFactory(name="pay-db")
    app = ConfigurationItemFactory(name="pay-app")
    app.depends_on.add(db_ci)
    return db_ci, app


def test_schedule_returns_the_scheduled_change_with_etag(api, agent):
    change = make_change(requester=agent)
    start, end = at(3, 9), at(3, 10)
    response = api.post(
        f"{CHANGES}{change.pk}/schedule/",
        {"planned_start": start.isoformat(), "planned_end": end.isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "scheduled" and body["number"] == change.number
    assert response["ETag"] == f'"{body["version"]}"'


def test_schedule_bad_input_is_400_with_fields(api, agent):
    change = make_change(requester=agent)
    response = api.post(
        f"{CHANGES}{change.pk}/schedule/",
        {"planned_start": "tomorrow", "acknowledge": [{"change": "x"}]},
        format="json",
    )
    assert response.status_code == 400
    assert {"planned_start", "acknowledge"} <= {name.split(".")[0] for name in response.json()["fields"]}
    unknown = api.post(f"{CHANGES}{change.pk}/schedule/", {"colour": "red"}, format="json")
    assert unknown.status_code == 400 and "colour" in unknown.json()["fields"]


def test_schedule_end_before_start_is_400(api, agent):
    change = make_change(requester=agent)
    response = api.post(
        f"{CHANGES}{change.pk}/schedule/",
        {"planned_start": at(2, 12).isoformat(), "planned_end": at(2, 11).isoformat()},
        format="json",
    )
    assert response.status_code == 400 and "planned_end" in response.json()["fields"]


def test_schedule_a_draft_is_409_naming_the_state(api, agent):
    change = make_change(requester=agent, approved=False)
    response = api.post(f"{CHANGES}{change.pk}/schedule/", {}, format="json")
    body = response.json()
    assert response.status_code == 409 and body["current_status"] == "draft"
    assert "submit" in body["allowed_transitions"]


def test_stale_version_is_409(api, agent):
    change = make_change(requester=agent)
    response = api.post(f"{CHANGES}{change.pk}/schedule/", {"version": change.version - 1}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "concurrent_modification"


def test_unknown_change_is_404(api):
    assert api.post(f"{CHANGES}999999/schedule/", {}, format="json").status_code == 404
    assert api.get(f"{CHANGES}999999/conflicts/").status_code == 404


def test_viewer_may_read_conflicts_but_not_schedule(client_for, viewer, agent):
    change = make_change(requester=agent)
    client = client_for(viewer)
    assert client.get(f"{CHANGES}{change.pk}/conflicts/").status_code == 200
    refused = client.post(f"{CHANGES}{change.pk}/schedule/", {}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    change.refresh_from_db()
    assert change.status == Status.APPROVED


def test_freeze_window_is_409_naming_it(api, agent, manager):
    freeze_window_create(actor=manager, name="Black Friday", starts_at=at(1, 0), ends_at=at(3, 0))
    change = make_change(requester=agent)
    response = api.post(f"{CHANGES}{change.pk}/schedule/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "freeze_window" and "Black Friday" in response.json()["message"]


def test_emergency_override_through_the_api(client_for, make_user, agent, manager):
    freeze_window_create(actor=manager, name="Black Friday", starts_at=at(1, 0), ends_at=at(3, 0))
    change = make_change(requester=agent, type=ChangeType.EMERGENCY)
    chgmgr = client_for(make_user(roles.CHANGE_MANAGER, username="chgmgr"))
    url = f"{CHANGES}{change.pk}/schedule/"
    missing = chgmgr.post(url, {}, format="json")
    assert missing.status_code == 400 and "override_reason" in missing.json()["fields"]
    assert client_for(agent).post(url, {"override_reason": "Leak"}, format="json").status_code == 403
    done = chgmgr.post(url, {"override_reason": "Card data leak"}, format="json")
    assert done.status_code == 200 and done.json()["freeze_override_reason"] == "Card data leak"


def test_conflicts_then_acknowledge_then_schedule(api, agent, cis):
    db_ci, app = cis
    mine = make_change(requester=agent, cis=[db_ci])
    theirs = make_change(requester=agent, cis=[app], start=mine.planned_start + timedelta(hours=1))

    listed = api.get(f"{CHANGES}{mine.pk}/conflicts/").json()
    assert listed["planned_start"] is not None
    [conflict] = listed["conflicts"]
    assert conflict["change"] == theirs.pk and conflict["number"] == theirs.number
    assert conflict["kind"] == "dependency" and conflict["cis"] == [{"id": app.pk, "name": "pay-app"}]
    assert conflict["acknowledged"] is False and conflict["acknowledgement"] is None

    refused = api.post(f"{CHANGES}{mine.pk}/schedule/", {}, format="json")
    assert refused.status_code == 409 and theirs.number in refused.json()["message"]
    assert "pay-app" in refused.json()["message"]

    ack = {"change": theirs.pk, "kind": "dependency", "note": "Reads only"}
    done = api.post(f"{CHANGES}{mine.pk}/schedule/", {"acknowledge": [ack]}, format="json")
    assert done.status_code == 200, done.content
    assert ChangeConflict.objects.get(change=mine).note == "Reads only"

    [conflict] = api.get(f"{CHANGES}{mine.pk}/conflicts/").json()["conflicts"]
    assert conflict["acknowledged"] is True
    assert (
        conflict["acknowledgement"]["note"] == "Reads only"
        and conflict["acknowledgement"]["by"]["username"] == "agent"
    )


def test_conflicts_for_a_proposed_window(api, agent, cis, manager):
    db_ci, _ = cis
    mine = make_change(requester=agent, cis=[db_ci])
    later = make_change(requester=agent, cis=[db_ci], start=at(6))
    freeze_window_create(actor=manager, name="Audit", starts_at=at(6, 0), ends_at=at(7, 0))
    assert api.get(f"{CHANGES}{mine.pk}/conflicts/").json()["conflicts"] == []
    start, end = at(6, 10).isoformat(), at(6, 11).isoformat()
    body = api.get(f"{CHANGES}{mine.pk}/conflicts/", {"start": start, "end": end}).json()
    assert [c["number"] for c in body["conflicts"]] == [later.number]
    assert [w["name"] for w in body["freeze_windows"]] == ["Audit"]


@pytest.mark.parametrize(
    "query",
    [{"start": "soon"}, {"start": at(2).isoformat()}, {"start": at(2).isoformat(), "end": at(1).isoformat()}],
)
def test_conflicts_bad_window_is_400(api, agent, query):
    change = make_change(requester=agent)
    assert api.get(f"{CHANGES}{change.pk}/conflicts/", query).status_code == 400
