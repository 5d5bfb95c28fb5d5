"""The approval endpoints: approve and reject (CAB votes), the approvals of a change, and the approval
policies API; every refusal in the API's one error shape, never a 500."""

import pytest

from changes.models import ApprovalPolicy, ChangeType, Status
from changes.tests.approval_factories import (
    LEAD,
    OPS,
    OWNER,
    cab_member,
    change_awaiting_approval,
    change_in_state,
    ensure_change_reference_data,
)
from core import roles

pytestmark = pytest.mark.django_db

CHANGES = "/api/v1/changes/"
POLICIES = "/api/v1/approval-policies/"


@pytest.fixture(autouse=True)
def reference(db):
    ensure_change_reference_data()  # the default policies, should a transactional test have flushed them


@pytest.fixture
def change(agent):
    return change_awaiting_approval(requester=agent)


def vote(client_for, user, change, decision, **body):
    return client_for(user).post(f"{CHANGES}{change.pk}/{decision}/", body, format="json")


def test_three_approvals_approve_the_change(client_for, board, change):
    first = vote(client_for, board[LEAD], change, "approve", comment="Fine by me.")
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["outcome"] == "pending" and body["change"]["status"] == "awaiting_approval"
    assert body["pending_roles"] == [OWNER, OPS]
    assert body["votes"][0] | {"created_at": None} == {
        "id": body["votes"][0]["id"], "voter": {"id": board[LEAD].pk, "username": board[LEAD].username}, "role": LEAD, "decision": "approve",
        "comment": "Fine by me.", "round": 1, "created_at": None,
    }  # fmt: skip
    assert body["can_vote"] is False and "already voted" in body["refusal"]
    vote(client_for, board[OWNER], change, "approve")
    last = vote(client_for, board[OPS], change, "approve").json()
    assert last["outcome"] == "approved" and last["change"]["status"] == "approved"
    assert last["pending_roles"] == []
    change.refresh_from_db()
    assert change.status == Status.APPROVED


def test_the_approvals_of_a_change(client_for, board, change, viewer):
    vote(client_for, board[LEAD], change, "approve")
    as_owner = client_for(board[OWNER]).get(f"{CHANGES}{change.pk}/approvals/").json()
    assert as_owner["policy"]["name"] == "Normal changes: whole CAB" and as_owner["policy"]["mode"] == "all"
    assert as_owner["required_roles"] == [LEAD, OWNER, OPS]
    assert (as_owner["needed"], as_owner["approvals"], as_owner["round"]) == (3, 1, 1)
    assert as_owner["pending_roles"] == [OWNER, OPS]
    assert as_owner["can_vote"] is True and as_owner["vote_roles"] == [OWNER]
    as_viewer = client_for(viewer).get(f"{CHANGES}{change.pk}/approvals/").json()
    assert as_viewer["can_vote"] is False and as_viewer["refusal"] == ""
    assert client_for(viewer).get(f"{CHANGES}999999/approvals/").status_code == 404


def test_one_rejection_with_its_reason(client_for, board, change):
    response = vote(client_for, board[OPS], change, "reject", comment="No maintenance window.")
    assert response.status_code == 200 and response.json()["outcome"] == "rejected"
    change.refresh_from_db()
    assert (change.status, change.rejection_reason) == (Status.REJECTED, "No maintenance window.")


def test_a_rejection_without_a_comment_is_a_400(client_for, board, change):
    response = vote(client_for, board[LEAD], change, "reject", comment="")
    assert response.status_code == 400
    assert response.json()["fields"] == {"comment": ["A rejection needs a comment giving the reason."]}


@pytest.mark.parametrize("body", [{"role": "manager"}, {"comment": ["a list"]}, {"role": 3}])
def test_bad_input_is_a_400(client_for, board, change, body):
    response = vote(client_for, board[LEAD], change, "approve", **body)
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_votes_the_user_may_not_cast_are_403(client_for, board, change, agent, manager):
    own = vote(client_for, agent, change, "approve")  # the requester (and not on the CAB either)
    assert own.status_code == 403
    sod = make_cab_requester_change(client_for)
    assert sod.status_code == 403 and "segregation of duties" in sod.json()["message"]
    assert vote(client_for, manager, change, "approve").status_code == 403


def make_cab_requester_change(client_for):
    lead = cab_member([LEAD, roles.AGENT], username="lead-requester")
    own = change_awaiting_approval(requester=lead)
    return vote(client_for, lead, own, "approve")


def test_wrong_state_and_second_votes_are_409(client_for, board, agent, change):
    draft = change_in_state("draft", requester=agent)
    response = vote(client_for, board[LEAD], draft, "approve")
    assert response.status_code == 409
    assert response.json()["current_status"] == "draft" and "submit" in response.json()["allowed_transitions"]
    assert vote(client_for, board[LEAD], change, "approve").status_code == 200
    again = vote(client_for, board[LEAD], change, "reject", comment="Changed my mind.")
    assert again.status_code == 409 and again.json()["code"] == "already_voted"


def test_an_ambiguous_role_is_a_400_and_the_chosen_one_counts(client_for, make_user, change):
    both = make_user(LEAD, OPS, username="both")
    ambiguous = vote(client_for, both, change, "approve")
    assert ambiguous.status_code == 400 and "role" in ambiguous.json()["fields"]
    chosen = vote(client_for, both, change, "approve", role=OPS)
    assert chosen.status_code == 200 and chosen.json()["votes"][0]["role"] == OPS


def test_anonymous_is_401(api_client, change):
    assert api_client.post(f"{CHANGES}{change.pk}/approve/", {}).status_code == 401
    assert api_client.get(f"{CHANGES}{change.pk}/approvals/").status_code == 401


# --- approval policies ---------------------------------------------------------------------------


NEW_POLICY = {"name": "Emergency: ops and lead", "change_type": "emergency", "roles": [OPS, LEAD],
              "mode": "n_of_m", "required": 1, "active": False}  # fmt: skip


def test_change_managers_write_policies(client_for, make_user, viewer):
    chgmgr = client_for(make_user(roles.CHANGE_MANAGER, username="chgmgr"))
    created = chgmgr.post(POLICIES, NEW_POLICY, format="json")
    assert created.status_code == 201, created.content
    assert created.json() | {"id": 0} == {**NEW_POLICY, "id": 0}
    pk = created.json()["id"]
    listed = client_for(viewer).get(POLICIES, {"change_type": "emergency"}).json()["results"]
    assert [p["name"] for p in listed] == ["Emergency changes: expedited", "Emergency: ops and lead"]
    assert client_for(viewer).post(POLICIES, NEW_POLICY, format="json").status_code == 403
    changed = chgmgr.patch(f"{POLICIES}{pk}/", {"mode": "all"}, format="json")
    assert changed.status_code == 200 and changed.json()["required"] == 2
    assert chgmgr.delete(f"{POLICIES}{pk}/").status_code == 204


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"roles": ["agent"]}, "roles"),
        ({"roles": []}, "roles"),
        ({"roles": [OPS, OPS]}, "roles"),
        ({"required": 3}, "required"),  # 3 of 2 roles
        ({"required": 0}, "required"),
        ({"change_type": "standard"}, "change_type"),
        ({"mode": "most"}, "mode"),
        ({"active": True}, "active"),  # the expedited policy is already active for emergencies
    ],
)
def test_invalid_policies_are_400_with_field_messages(client_for, manager, change, field):
    response = client_for(manager).post(POLICIES, {**NEW_POLICY, **change}, format="json")
    assert response.status_code == 400, response.content
    assert {name.split(".")[0] for name in response.json()["fields"]} == {field}


def test_a_policy_in_use_keeps_its_rules(client_for, manager, change):
    policy = change.approval_policy
    api = client_for(manager)
    refused = api.patch(f"{POLICIES}{policy.pk}/", {"mode": "any"}, format="json")
    assert refused.status_code == 409 and change.number in refused.json()["message"]
    assert api.patch(f"{POLICIES}{policy.pk}/", {"name": "Whole CAB"}, format="json").status_code == 200
    assert api.delete(f"{POLICIES}{policy.pk}/").status_code == 409  # changes were voted under it
    policy.refresh_from_db()
    assert (policy.name, policy.mode) == ("Whole CAB", "all")


def test_switching_the_active_policy(client_for, manager, agent):
    api = client_for(manager)
    normal = ApprovalPolicy.objects.get(change_type=ChangeType.NORMAL, active=True)
    assert api.patch(f"{POLICIES}{normal.pk}/", {"active": False}, format="json").status_code == 200
    body = {**NEW_POLICY, "name": "Normal: any", "change_type": "normal", "mode": "any", "active": True}
    assert api.post(POLICIES, body, format="json").status_code == 201
    assert change_awaiting_approval(requester=agent).approval_policy.name == "Normal: any"
