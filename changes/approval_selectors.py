"""Reads of CAB approval: the approvals of one change as a viewer sees them (API, detail panel, CAB
queue rows) and the CAB queue "awaiting my approval"."""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from core import roles
from core.errors import DomainError, InvalidInput
from core.permissions import allowed
from sla.selectors import sla_clocks_of

from . import permissions
from .approvals import (
    approvals_needed,
    pending_roles,
    policy_outcome,
    role_label,
    vote_pairs,
    vote_role,
)
from .models import ApprovalMode, ApprovalPolicy, Change, ChangeApproval, Status

APPROVAL_TARGET = "approval"  # the SLA target of the approval clock (changes/sla.py)
QUEUE_LIMIT = 100


@dataclass
class Approvals:
    """One change's approval as `viewer` sees it."""

    change: Change
    policy: ApprovalPolicy | None
    round: int
    votes: list[ChangeApproval]  # this round's, oldest first
    previous_votes: list[ChangeApproval]  # earlier rounds', oldest first
    pending_roles: list[str]
    needed: int
    approvals: int
    outcome: str  # pending | approved | rejected (what this round's votes decide)
    vote_roles: list[str] = field(default_factory=list)  # roles the viewer may vote in now
    refusal: str = ""  # why the viewer may not vote (empty when they may, or are not on the CAB)

    @property
    def can_vote(self) -> bool:
        return bool(self.vote_roles)

    @property
    def pending_labels(self) -> list[str]:
        return [role_label(role) for role in self.pending_roles]

    @property
    def required_labels(self) -> list[str]:
        return [role_label(role) for role in (self.policy.roles if self.policy else ())]

    @property
    def awaiting(self) -> bool:
        return self.change.status == Status.AWAITING_APPROVAL

    @property
    def rule(self) -> str:
        """e.g. "2 of the 3 listed roles approve"."""
        if self.policy is None:
            return ""
        count = len(self.policy.roles)
        if self.policy.mode == ApprovalMode.ALL:
            return "every listed role approves" if count > 1 else "the listed role approves"
        if self.policy.mode == ApprovalMode.ANY:
            return "any one listed role approves"
        return f"{self.needed} of the {count} listed roles approve"


def approvals_of(change: Change, *, viewer=None, all_votes: list[ChangeApproval] | None = None) -> Approvals:
    """`all_votes`: the change's votes of every round with their voters, if already loaded
    (a prefetch); otherwise one query reads them."""
    if all_votes is None:
        all_votes = list(ChangeApproval.objects.filter(change=change).select_related("voter"))
    current = [vote for vote in all_votes if vote.round == change.approval_round]
    previous = [vote for vote in all_votes if vote.round != change.approval_round]
    policy = change.approval_policy
    pairs = vote_pairs(current)
    state = Approvals(
        change=change,
        policy=policy,
        round=change.approval_round,
        votes=current,
        previous_votes=previous,
        pending_roles=pending_roles(policy, pairs) if change.status == Status.AWAITING_APPROVAL else [],
        needed=approvals_needed(policy) if policy else 0,
        approvals=sum(1 for vote in current if vote.decision == "approve"),
        outcome=policy_outcome(policy, pairs) if policy else "pending",
    )
    if viewer is not None and policy is not None and allowed(viewer, permissions.VOTE):
        _viewer_may_vote(state, viewer)
    return state


def _viewer_may_vote(state: Approvals, viewer) -> None:
    try:
        state.vote_roles = [vote_role(change=state.change, votes=state.votes, user=viewer)]
    except InvalidInput:  # several open roles: the viewer chooses
        held = roles.roles_of(viewer)
        taken = {vote.role for vote in state.votes}
        state.vote_roles = [name for name in state.policy.roles if name in held and name not in taken]
    except DomainError as refusal:
        if state.change.status == Status.AWAITING_APPROVAL:
            state.refusal = refusal.message


def cab_queue(user, *, limit: int = QUEUE_LIMIT) -> QuerySet[Change]:
    """Changes awaiting approval where one of `user`'s CAB roles has not voted yet this round, `user`
    has not voted and is neither requester nor implementer; longest waiting first, with what a row
    shows (policy, people, every vote, the approval clock's due time) in a constant number of queries."""
    held = roles.roles_of(user) & set(roles.CAB_ROLES)
    if not held:
        return Change.objects.none()
    this_round = ChangeApproval.objects.filter(change=OuterRef("pk"), round=OuterRef("approval_round"))
    role_open = Q()
    for role in sorted(held):
        role_open |= Q(approval_policy__roles__contains=[role]) & ~Exists(this_round.filter(role=role))
    changes = (
        Change.objects.filter(role_open, status=Status.AWAITING_APPROVAL)
        .exclude(Exists(this_round.filter(voter=user)))
        .exclude(requester=user)
        .exclude(implementer=user)
    )
    return with_approval_rows(changes).order_by("assessed_at", "id")[:limit]


def with_approval_rows(changes: QuerySet[Change]) -> QuerySet[Change]:
    """What a CAB row shows: people, policy, every vote with its voter (`approvals`) and the running
    approval clock's due time (`approval_due_at`), without a query per row."""
    due = sla_clocks_of(Change).filter(object_id=OuterRef("pk"), target=APPROVAL_TARGET, stopped_at=None)
    return (
        changes.annotate(approval_due_at=Subquery(due.values("due_at")[:1]))
        .select_related("requester", "implementer", "approval_policy")
        .prefetch_related(Prefetch("approvals", queryset=ChangeApproval.objects.select_related("voter")))
    )
