"""CAB votes through the service: segregation of duties, one vote per voter and role, rejection with
its reason, the last approval approving, rounds after a revision, and who hears of what."""

import pytest
from django.db import transaction

from changes.approvals import approval_requested, change_vote
from changes.lifecycle import change_apply, change_lock
from changes.models import ApprovalPolicy, ChangeApproval, ChangeType, Status
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
from core.errors import Conflict, InvalidInput, NotPermitted, TransitionNotAllowed
from core.models import Event, TimelineEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def change(agent):
    return change_awaiting_approval(requester=agent)


def status_of(change) -> str:
    change.refresh_from_db()
    return change.status


def test_sent_for_approval_under_the_active_policy_in_round_one(change, board, agent):
    assert change.approval_policy.name == "Normal changes: whole CAB"
    assert change.approval_round == 1
    event = Event.objects.get(type="change.approval_requested")
    assert event.payload["policy"]["roles"] == [LEAD, OWNER, OPS]
    assert event.payload["round"] == 1


def test_the_approvers_are_told_but_never_the_requester(make_user, board):
    requester = make_user(roles.AGENT, LEAD, username="both")  # a tech lead filing a change
    change_awaiting_approval(requester=requester)
    from notifications.models import Notification

    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert {LEAD, OWNER, OPS} <= told
    assert "both" not in told


def test_every_role_approves_then_the_change_is_approved(change, board):
    first = change_vote(change=change, actor=board[LEAD], decision="approve", comment="Plan is sound.")
    assert (first.outcome, status_of(change)) == ("pending", Status.AWAITING_APPROVAL)
    change_vote(change=change, actor=board[OWNER], decision="approve")
    last = change_vote(change=change, actor=board[OPS], decision="approve")
    assert last.outcome == "approved" and status_of(change) == Status.APPROVED
    assert change.approved_at is not None
    votes = list(ChangeApproval.objects.filter(change=change).values_list("voter__username", "role", "round"))
    assert votes == [(LEAD, LEAD, 1), (OWNER, OWNER, 1), (OPS, OPS, 1)]
    notes = list(TimelineEntry.objects.filter(object_id=change.pk).values_list("kind", "note"))
    assert ("comment", "Approved as Technical lead: Plan is sound.") in notes
    assert notes[-1][0] == "transition" and "Approved under Normal changes" in notes[-1][1]
    assert Event.objects.filter(type="change.approved").count() == 1
    assert Event.objects.filter(type="change.voted").count() == 3


def test_one_rejection_rejects_with_its_reason(change, board):
    change_vote(change=change, actor=board[LEAD], decision="approve")
    result = change_vote(change=change, actor=board[OWNER], decision="reject", comment="No rollback test.")
    assert result.outcome == "rejected"
    assert status_of(change) == Status.REJECTED
    assert change.rejection_reason == "No rollback test."
    with pytest.raises(TransitionNotAllowed):
        change_vote(change=change, actor=board[OPS], decision="approve")


def test_a_rejection_needs_a_comment(change, board):
    with pytest.raises(InvalidInput) as refused:
        change_vote(change=change, actor=board[LEAD], decision="reject", comment="   ")
    assert "comment" in refused.value.fields
    assert not ChangeApproval.objects.exists()


@pytest.mark.parametrize("who", ["requester", "implementer"])
def test_segregation_of_duties(who, agent, make_user):
    """Even holding a CAB role, the requester and the implementer never vote on their own change."""
    person = make_user(roles.AGENT, LEAD, OWNER, OPS, username=who)
    fields = {"requester": person} if who == "requester" else {"requester": agent, "implementer": person}
    change = change_awaiting_approval(**fields)
    for decision, comment in (("approve", ""), ("reject", "Not mine to judge.")):
        with pytest.raises(NotPermitted) as refused:
            change_vote(change=change, actor=person, decision=decision, comment=comment, role=LEAD)
        assert "segregation of duties" in refused.value.message
    assert not ChangeApproval.objects.exists() and status_of(change) == Status.AWAITING_APPROVAL


def test_one_vote_per_voter_and_per_role(change, board):
    change_vote(change=change, actor=board[LEAD], decision="approve")
    with pytest.raises(Conflict) as again:
        change_vote(change=change, actor=board[LEAD], decision="approve")
    assert again.value.code == "already_voted"
    second_lead = cab_member(LEAD, username="lead2")
    with pytest.raises(Conflict) as taken:
        change_vote(change=change, actor=second_lead, decision="approve")
    assert "already cast" in taken.value.message
    assert ChangeApproval.objects.count() == 1


def test_someone_holding_several_roles_chooses_one(change, make_user):
    both = make_user(LEAD, OWNER, username="both")
    with pytest.raises(InvalidInput) as ambiguous:
        change_vote(change=change, actor=both, decision="approve")
    assert "choose one" in ambiguous.value.fields["role"][0]
    with pytest.raises(InvalidInput):
        change_vote(change=change, actor=both, decision="approve", role=OPS)  # not theirs
    change_vote(change=change, actor=both, decision="approve", role=OWNER)
    assert ChangeApproval.objects.get().role == OWNER
    with pytest.raises(Conflict):  # one vote per voter, even with another role left
        change_vote(change=change, actor=both, decision="approve", role=LEAD)


def test_only_cab_members_in_a_listed_role_vote(change, agent, make_user):
    with pytest.raises(NotPermitted):
        change_vote(change=change, actor=make_user(roles.MANAGER, username="boss"), decision="approve")
    emergency = change_awaiting_approval(requester=agent, type=ChangeType.EMERGENCY)
    with pytest.raises(NotPermitted) as refused:  # the expedited policy only asks the ops manager
        change_vote(change=emergency, actor=cab_member(LEAD, username="lead"), decision="approve")
    assert "Operations manager" in refused.value.message
    result = change_vote(change=emergency, actor=cab_member(OPS, username="ops"), decision="approve")
    assert result.outcome == "approved"


def test_no_vote_outside_awaiting_approval(agent, board):
    draft = change_in_state("assessment", requester=agent)
    with pytest.raises(TransitionNotAllowed) as refused:
        change_vote(change=draft, actor=board[LEAD], decision="approve")
    assert refused.value.current_status == "assessment"


def test_a_revised_change_is_voted_on_afresh(change, board, agent):
    change_vote(change=change, actor=board[LEAD], decision="reject", comment="Missing window.")
    with transaction.atomic():
        locked = change_lock(change)
        for action in ("revise", "submit", "begin_assessment", "assess"):
            change_apply(locked, action=action, actor=agent)
        approval_requested(change=locked, at=locked.updated_at)
    assert locked.approval_round == 2
    for role in roles.CAB_ROLES:  # the tech lead votes again in the new round
        change_vote(change=change, actor=board[role], decision="approve")
    assert status_of(change) == Status.APPROVED
    assert list(ChangeApproval.objects.values_list("round", "decision")) == [
        (1, "reject"), (2, "approve"), (2, "approve"), (2, "approve"),
    ]  # fmt: skip


def test_without_an_active_policy_approval_cannot_be_requested(agent):
    ensure_change_reference_data()
    ApprovalPolicy.objects.filter(change_type=ChangeType.NORMAL).update(active=False)
    with pytest.raises(Conflict) as refused:
        change_awaiting_approval(requester=agent)
    assert refused.value.code == "no_approval_policy"
