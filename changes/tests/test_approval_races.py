"""Many CAB members voting on one change at the same moment, each on their own connection: the change
is decided exactly once: approved once or rejected once, never both, never twice."""

import threading

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from changes.approvals import change_vote
from changes.models import ApprovalMode, ApprovalPolicy, Change, ChangeApproval, ChangeType, Status
from changes.tests.approval_factories import cab_member, change_awaiting_approval
from core import roles
from core.errors import DomainError
from core.models import Event, TimelineEntry

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_content_types():
    """A transactional test before this one may have left content type ids cached that its flush and
    the serialized restore replaced."""
    ContentType.objects.clear_cache()


def race(change, voters: list[tuple]) -> tuple[list, list]:
    """Each (user, decision, role) votes at once on its own connection; returns outcomes and refusals."""
    start = threading.Barrier(len(voters))
    outcomes, refusals, failures = [], [], []

    def vote(user, decision, role):
        try:
            start.wait()
            result = change_vote(change=change, actor=user, decision=decision, role=role, comment="Raced.")
            outcomes.append(result.outcome)
        except DomainError as refusal:
            refusals.append(refusal)
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote, args=voter) for voter in voters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    return outcomes, refusals


def decisions(change) -> list[str]:
    transitions = TimelineEntry.objects.filter(
        object_id=change.pk, kind="transition", to_state__in=["approved", "rejected"]
    )
    return list(transitions.values_list("to_state", flat=True))


@pytest.fixture
def two_of_three():
    """Two approvals of the three roles decide: six members race, enough to approve three times over."""
    ApprovalPolicy.objects.filter(change_type=ChangeType.NORMAL).update(active=False)
    ApprovalPolicy.objects.create(
        name="Race: 2 of 3", change_type=ChangeType.NORMAL, mode=ApprovalMode.N_OF_M,
        roles=list(roles.CAB_ROLES), required=2,
    )  # fmt: skip


@pytest.mark.parametrize("attempt", range(3))
def test_three_approvers_and_two_rejecters_decide_once(attempt, make_user):
    change = change_awaiting_approval(requester=make_user(roles.AGENT, username="requester"))
    voters = [
        (cab_member(roles.CAB_TECH_LEAD, f"lead{attempt}"), "approve", None),
        (cab_member(roles.CAB_PRODUCT_OWNER, f"owner{attempt}"), "approve", None),
        (cab_member(roles.CAB_OPS_MANAGER, f"ops{attempt}"), "approve", None),
        (cab_member(roles.CAB_TECH_LEAD, f"lead-b{attempt}"), "reject", None),
        (cab_member(roles.CAB_PRODUCT_OWNER, f"owner-b{attempt}"), "reject", None),
    ]
    outcomes, refusals = race(change, voters)
    change = Change.objects.get(pk=change.pk)
    final = [outcome for outcome in outcomes if outcome != "pending"]
    assert len(final) == 1, outcomes  # exactly one vote decided the change
    assert change.status == {"approved": Status.APPROVED, "rejected": Status.REJECTED}[final[0]]
    assert decisions(change) == [change.status]
    assert Event.objects.filter(type__in=["change.approved", "change.rejected"]).count() == 1
    # Every vote either counted (at most one per role) or was refused with a 409, none with a 500.
    votes = ChangeApproval.objects.filter(change=change)
    assert votes.count() == len(outcomes) and len(outcomes) + len(refusals) == 5
    assert len(set(votes.values_list("role", flat=True))) == votes.count()
    assert {refusal.status for refusal in refusals} <= {409}


def test_many_approvers_approve_once(two_of_three, make_user):
    change = change_awaiting_approval(requester=make_user(roles.AGENT, username="requester"))
    voters = [(cab_member(list(roles.CAB_ROLES), f"member{n}"), "approve", role)
              for n, role in enumerate(roles.CAB_ROLES * 2)]  # fmt: skip
    outcomes, refusals = race(change, voters)
    assert outcomes.count("approved") == 1 and outcomes.count("pending") == 1
    assert Change.objects.get(pk=change.pk).status == Status.APPROVED
    assert decisions(change) == ["approved"]
    assert ChangeApproval.objects.filter(change=change).count() == 2
    assert len(refusals) == 4 and {refusal.status for refusal in refusals} == {409}
