"""The change API: filing, editing with If-Match, each lifecycle action, tasks and templates; errors in
the one error shape (400 fields, 403, 409 with the state and the allowed transitions)."""

import pytest

from changes.models import Change, ChangeTemplate, ChangeType, Status, TaskStatus
from changes.tests.factories import PLANS, change_create, change_in_state
from core import roles

pytestmark = pytest.mark.django_db
CHANGES = "/api/v1/changes/"
TEMPLATES = "/api/v1/change-templates/"


@pytest.fixture
def api(client_for, requester):
    return client_for(requester)


def test_create_and_read(api, low_service):
    response = api.post(
        CHANGES, {"title": "Upgrade wiki", "services": [low_service.pk], **PLANS}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("CHG-") and body["status"] == "draft" and body["type"] == "normal"
    assert body["services"] == [{"id": low_service.pk, "name": "Team wiki", "slug": "team-wiki"}]
    assert sorted(body["allowed_transitions"]) == ["cancel", "submit"]
    detail = api.get(f"{CHANGES}{body['id']}/")
    assert detail.status_code == 200 and detail["ETag"] == '"1"'


def test_create_from_a_template(api, template):
    response = api.post(CHANGES, {"template": template.pk}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["type"] == "standard" and body["title"] == template.title
    assert [task["title"] for task in body["tasks"]] == ["Install the certificate", "Reload nginx"]


def test_bad_input_is_a_400_with_field_errors(api):
    response = api.post(
        CHANGES,
        {"title": "", "type": "sideways", "planned_start": "not a date", "surprise": 1},
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert {"surprise"} <= set(fields)
    response = api.post(CHANGES, {"title": "x", "type": "sideways", "planned_start": "soon"}, format="json")
    assert set(response.json()["fields"]) == {"type", "planned_start"}


def test_patch_a_draft_with_if_match(api, requester):
    change = change_create(actor=requester)
    url = f"{CHANGES}{change.pk}/"
    ok = api.patch(url, {"title": "Renamed"}, format="json", HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200 and ok.json()["version"] == 2 and ok["ETag"] == '"2"'
    stale = api.patch(url, {"title": "Again"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 409
    body = stale.json()
    assert (body["code"], body["current_version"], body["current_status"]) == (
        "concurrent_modification",
        2,
        "draft",
    )
    assert Change.objects.get(pk=change.pk).title == "Renamed"


def test_patch_refuses_a_submitted_change(api, requester):
    change = change_in_state(Status.SUBMITTED, actor=requester)
    response = api.patch(f"{CHANGES}{change.pk}/", {"title": "Late"}, format="json")
    assert response.status_code == 409 and response.json()["current_status"] == "submitted"


def test_submit_without_plans_names_them(api, requester):
    change = change_create(actor=requester, test_plan="")
    response = api.post(f"{CHANGES}{change.pk}/submit/", {}, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["test_plan"]


def test_submit_shows_the_risk_and_an_illegal_action_is_a_409(api, requester, low_service):
    change = change_create(actor=requester, services=[low_service])
    response = api.post(f"{CHANGES}{change.pk}/submit/", {"version": 1}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["risk_level"]) == ("awaiting_approval", "low")
    assert body["risk_reasons"] and body["approval_policy"]["name"] == "Normal changes: whole CAB"
    again = api.post(f"{CHANGES}{change.pk}/start/", {}, format="json")
    assert again.status_code == 409
    error = again.json()
    assert error["current_status"] == "awaiting_approval"
    assert error["allowed_transitions"] == ["approve", "cancel", "reject"]


def test_assess_is_for_change_managers(client_for, requester, chgmgr, critical_ci):
    change = change_create(actor=requester, outage_required=True, cis=[critical_ci])
    client_for(requester).post(f"{CHANGES}{change.pk}/submit/", {}, format="json")
    refused = client_for(requester).post(f"{CHANGES}{change.pk}/assess/", {"note": "ok"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    missing = client_for(chgmgr).post(f"{CHANGES}{change.pk}/assess/", {}, format="json")
    assert missing.status_code == 400 and "note" in missing.json()["fields"]
    done = client_for(chgmgr).post(f"{CHANGES}{change.pk}/assess/", {"note": "Rehearsed."}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "awaiting_approval"


def test_viewer_reads_but_may_not_write(client_for, viewer, requester):
    change = change_create(actor=requester)
    api = client_for(viewer)
    assert api.get(f"{CHANGES}{change.pk}/").status_code == 200
    assert api.post(CHANGES, {"title": "x"}, format="json").status_code == 403
    assert api.post(f"{CHANGES}{change.pk}/cancel/", {"note": "no"}, format="json").status_code == 403


def test_implementation_with_tasks_and_rollback_offer(api, requester):
    change = change_in_state(Status.SCHEDULED, actor=requester, implementer=requester)
    tasks = f"{CHANGES}{change.pk}/tasks/"
    first = api.post(tasks, {"title": "Drain node 1"}, format="json").json()
    second = api.post(tasks, {"title": "Upgrade node 1", "assignee": "requester"}, format="json").json()
    reordered = api.post(f"{tasks}reorder/", {"order": [second["id"], first["id"]]}, format="json")
    assert [task["title"] for task in reordered.json()] == ["Upgrade node 1", "Drain node 1"]
    assert api.post(f"{CHANGES}{change.pk}/start/", {}, format="json").status_code == 200
    complete = api.post(f"{CHANGES}{change.pk}/complete/", {"outcome": "successful"}, format="json")
    assert complete.status_code == 409 and "Drain node 1 (pending)" in complete.json()["message"]
    assert api.post(f"{tasks}{second['id']}/start/", {}, format="json").json()["status"] == "in_progress"
    no_note = api.post(f"{tasks}{second['id']}/fail/", {}, format="json")
    assert no_note.status_code == 400 and "note" in no_note.json()["fields"]
    failed = api.post(f"{tasks}{second['id']}/fail/", {"note": "Package conflict."}, format="json")
    assert failed.json()["status"] == TaskStatus.FAILED
    body = api.get(f"{CHANGES}{change.pk}/").json()
    assert body["rollback"]["rollback_plan"] == PLANS["rollback_plan"]
    assert [task["title"] for task in body["rollback"]["failed_tasks"]] == ["Upgrade node 1"]
    illegal = api.post(f"{tasks}{second['id']}/finish/", {}, format="json")
    assert illegal.status_code == 409 and illegal.json()["current_status"] == "failed"
    api.post(f"{tasks}{first['id']}/skip/", {"note": "Rolled back instead."}, format="json")
    done = api.post(f"{CHANGES}{change.pk}/complete/", {"outcome": "rolled_back"}, format="json")
    assert done.status_code == 200 and done.json()["outcome"] == "rolled_back"
    assert api.get(f"{CHANGES}999999/tasks/").status_code == 404


def test_someone_else_may_not_work_my_task(client_for, requester, make_user):
    change = change_in_state(Status.IMPLEMENTING, actor=requester)
    task = change.tasks.create(position=1, title="Reboot", assignee=requester)
    stranger = make_user(roles.AGENT, username="stranger")
    response = client_for(stranger).post(f"{CHANGES}{change.pk}/tasks/{task.pk}/start/", {}, format="json")
    assert response.status_code == 403


def test_review_and_close(api, requester):
    change = change_in_state(Status.IMPLEMENTED, actor=requester)
    review = api.post(
        f"{CHANGES}{change.pk}/review/", {"notes": "No incidents.", "lessons": "None."}, format="json"
    )
    assert review.status_code == 200 and review.json()["status"] == "in_review"
    close = api.post(f"{CHANGES}{change.pk}/close/", {}, format="json")
    assert close.status_code == 200 and close.json()["status"] == "closed"
    timeline = api.get(f"{CHANGES}{change.pk}/timeline/").json()["results"]
    assert [entry["to_state"] for entry in timeline if entry["kind"] == "transition"][-2:] == [
        "in_review",
        "closed",
    ]


def test_templates_are_written_by_change_managers(client_for, requester, chgmgr, low_service):
    body = {
        "name": "Restart wiki",
        "title": "Restart the wiki",
        "services": [low_service.pk],
        "tasks": [{"title": "Announce"}, {"title": "Restart", "instructions": "systemctl restart wiki"}],
    }
    assert client_for(requester).post(TEMPLATES, body, format="json").status_code == 403
    created = client_for(chgmgr).post(TEMPLATES, body, format="json")
    assert created.status_code == 201, created.content
    assert [(t["position"], t["title"]) for t in created.json()["tasks"]] == [(1, "Announce"), (2, "Restart")]
    url = f"{TEMPLATES}{created.json()['id']}/"
    patched = client_for(chgmgr).patch(url, {"tasks": [{"title": "Restart"}], "active": False}, format="json")
    assert patched.status_code == 200 and len(patched.json()["tasks"]) == 1 and not patched.json()["active"]
    assert client_for(requester).get(TEMPLATES).json()["results"][0]["name"] == "Restart wiki"
    bad = client_for(chgmgr).post(TEMPLATES, {"name": "Restart wiki", "title": ""}, format="json")
    assert bad.status_code == 400
    retired = client_for(requester).post(CHANGES, {"template": created.json()["id"]}, format="json")
    assert retired.status_code == 400 and "template" in retired.json()["fields"]
    assert client_for(chgmgr).delete(url).status_code == 204
    assert not ChangeTemplate.objects.filter(name="Restart wiki").exists()


def test_list_filters_by_status_and_type(api, requester, template):
    change_create(actor=requester)
    change_in_state(Status.APPROVED, actor=requester, type=ChangeType.STANDARD)
    rows = api.get(CHANGES, {"type": "standard"}).json()["results"]
    assert [row["status"] for row in rows] == ["approved"]
    assert len(api.get(CHANGES, {"status": "draft"}).json()["results"]) == 1
    assert api.get(CHANGES, {"ordering": "title"}).status_code == 400


@pytest.mark.parametrize("rows", [1, 6])
def test_list_query_count_does_not_grow(
    api, requester, low_service, critical_ci, rows, django_assert_num_queries
):
    for n in range(rows):
        change = change_create(
            actor=requester, title=f"Change {n}", services=[low_service], cis=[critical_ci]
        )
        change.tasks.create(position=1, title="Do it", assignee=requester)
    # auth (token, user and roles in one query), page, services, CIs, tasks
    with django_assert_num_queries(5):
        response = api.get(CHANGES)
    assert len(response.json()["results"]) == rows


def test_a_transition_with_a_stale_if_match_is_a_409(api, requester):
    change = change_create(actor=requester)
    api.patch(f"{CHANGES}{change.pk}/", {"title": "Renamed"}, format="json")
    stale = api.post(f"{CHANGES}{change.pk}/cancel/", {"note": "Dup."}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    bad = api.post(f"{CHANGES}{change.pk}/cancel/", {"note": "Dup."}, format="json", HTTP_IF_MATCH="soon")
    assert bad.status_code == 400 and "If-Match" in bad.json()["fields"]
    done = api.post(f"{CHANGES}{change.pk}/cancel/", {"note": "Dup."}, format="json", HTTP_IF_MATCH='"2"')
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
