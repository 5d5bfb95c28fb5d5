"""The approval policy as a matrix: each mode × each CAB role × each vote, first as the pure function
(policy, votes) → pending | approved | rejected, then through the vote service on a real change."""

import itertools

import pytest

from changes.approvals import APPROVED, PENDING, REJECTED, change_vote, policy_outcome
from changes.models import ApprovalMode, ApprovalPolicy, ChangeType, Status
from changes.tests.approval_factories import cab_member, change_awaiting_approval
from core import roles

CAB = roles.CAB_ROLES
POLICIES = {
    "all": ApprovalPolicy(mode=ApprovalMode.ALL, roles=list(CAB), required=3),
    "2_of_3": ApprovalPolicy(mode=ApprovalMode.N_OF_M, roles=list(CAB), required=2),
    "any": ApprovalPolicy(mode=ApprovalMode.ANY, roles=list(CAB), required=1),
}
# What one vote by any listed role decides under each policy.
ONE_VOTE = {
    ("all", "approve"): PENDING,
    ("2_of_3", "approve"): PENDING,
    ("any", "approve"): APPROVED,
    ("all", "reject"): REJECTED,
    ("2_of_3", "reject"): REJECTED,
    ("any", "reject"): REJECTED,
}
MATRIX = [(policy, role, vote) for policy in POLICIES for role in CAB for vote in ("approve", "reject")]


@pytest.mark.parametrize(("policy", "role", "vote"), MATRIX)
def test_one_vote(policy, role, vote):
    assert policy_outcome(POLICIES[policy], [(role, vote)]) == ONE_VOTE[(policy, vote)]


@pytest.mark.parametrize("policy", POLICIES)
def test_no_vote_is_pending(policy):
    assert policy_outcome(POLICIES[policy], []) == PENDING


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("pair", list(itertools.combinations(CAB, 2)), ids="+".join)
def test_two_approvals(policy, pair):
    expected = PENDING if policy == "all" else APPROVED
    assert policy_outcome(POLICIES[policy], [(role, "approve") for role in pair]) == expected


@pytest.mark.parametrize("policy", POLICIES)
def test_every_role_approves(policy):
    assert policy_outcome(POLICIES[policy], [(role, "approve") for role in CAB]) == APPROVED


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("rejecter", CAB)
def test_a_rejection_wins_over_any_number_of_approvals(policy, rejecter):
    votes = [(role, "approve") for role in CAB if role != rejecter] + [(rejecter, "reject")]
    assert policy_outcome(POLICIES[policy], votes) == REJECTED


def test_votes_in_roles_the_policy_does_not_list_count_for_nothing():
    ops_only = ApprovalPolicy(mode=ApprovalMode.ANY, roles=[roles.CAB_OPS_MANAGER], required=1)
    assert policy_outcome(ops_only, [(roles.CAB_TECH_LEAD, "approve")]) == PENDING
    assert policy_outcome(ops_only, [(roles.CAB_TECH_LEAD, "reject")]) == PENDING
    assert policy_outcome(ops_only, [(roles.CAB_OPS_MANAGER, "approve")]) == APPROVED


# --- the same matrix through the service, on a change awaiting approval ---------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("policy", "role", "vote"), MATRIX)
def test_one_vote_through_the_service(policy, role, vote, agent):
    template = POLICIES[policy]
    ApprovalPolicy.objects.filter(change_type=ChangeType.NORMAL).update(active=False)
    ApprovalPolicy.objects.create(
        name=f"Test {policy}", change_type=ChangeType.NORMAL, mode=template.mode,
        roles=template.roles, required=template.required,
    )  # fmt: skip
    change = change_awaiting_approval(requester=agent)
    result = change_vote(change=change, actor=cab_member(role), decision=vote, comment="Because.")
    expected = ONE_VOTE[(policy, vote)]
    assert result.outcome == expected
    change.refresh_from_db()
    assert change.status == {
        PENDING: Status.AWAITING_APPROVAL, APPROVED: Status.APPROVED, REJECTED: Status.REJECTED
    }[expected]  # fmt: skip
