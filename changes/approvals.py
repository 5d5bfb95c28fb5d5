"""CAB approval of a change: the policy it is voted under, each member's vote, and what the votes decide.

    approval_requested  the change has just reached awaiting_approval (called by the assess/submit
                        service in its transaction): snapshot the policy, open a new round, tell the
                        approvers. The approval clock starts by itself (SLA target started by "assess").
    change_vote         one CAB member approves or rejects, in one of their CAB roles. Row-locked: of
                        any number of concurrent votes, exactly one decides the change, once.
    policy_outcome      pure: (policy, votes) → pending | approved | rejected.

Segregation of duties: the requester and the implementer never vote on their own change."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import roles
from core.errors import Conflict, InvalidInput, NotPermitted
from core.models import TimelineEntry
from core.permissions import require
from core.timeline import timeline_record

from . import events, permissions
from .announce import announce
from .lifecycle import change_apply, change_lock, change_touch, refuse
from .models import ApprovalDecision, ApprovalMode, ApprovalPolicy, Change, ChangeApproval, Status

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
ROLE_LABELS = {
    roles.CAB_TECH_LEAD: "Technical lead",
    roles.CAB_PRODUCT_OWNER: "Product owner",
    roles.CAB_OPS_MANAGER: "Operations manager",
}
DECISION_WORDS = {ApprovalDecision.APPROVE: "Approved", ApprovalDecision.REJECT: "Rejected"}


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role.replace("_", " ").capitalize())


# --- policy evaluation (pure) ----------------------------------------------------------------------


def approvals_needed(policy: ApprovalPolicy) -> int:
    """How many of the policy's roles must approve: all of them, N of them, or one."""
    if policy.mode == ApprovalMode.ALL:
        return len(policy.roles)
    if policy.mode == ApprovalMode.ANY:
        return 1 if policy.roles else 0
    return policy.required


def policy_outcome(policy: ApprovalPolicy, votes: Iterable[tuple[str, str]]) -> str:
    """What the `votes` ((role, decision) pairs) decide under `policy`: one rejection by a listed
    role rejects; enough approvals by distinct listed roles approve; otherwise still pending. Votes
    in roles the policy does not list count for nothing."""
    listed = set(policy.roles)
    approving = set()
    for role, decision in votes:
        if role not in listed:
            continue
        if decision == ApprovalDecision.REJECT:
            return REJECTED
        if decision == ApprovalDecision.APPROVE:
            approving.add(role)
    needed = approvals_needed(policy)
    return APPROVED if needed and len(approving) >= needed else PENDING


def pending_roles(policy: ApprovalPolicy | None, votes: Iterable[tuple[str, str]]) -> list[str]:
    """The policy's roles (in its order) nobody has voted in yet."""
    if policy is None:
        return []
    voted = {role for role, _decision in votes}
    return [role for role in policy.roles if role not in voted]


def vote_pairs(votes: Iterable[ChangeApproval]) -> list[tuple[str, str]]:
    return [(vote.role, vote.decision) for vote in votes]


# --- who may vote ------------------------------------------------------------------------------------


def vote_role(*, change: Change, votes: list[ChangeApproval], user, role: str | None = None) -> str:
    """The role `user` votes in on `change` now (its current round's `votes` given), or the domain
    error saying why they may not: 409 wrong state or already voted, 403 own change or no listed
    role, 400 an ambiguous or foreign `role`. The service and the pages ask the same question."""
    if change.status != Status.AWAITING_APPROVAL:
        raise refuse(change, "approve", reason=f"Only a change awaiting approval takes votes; "
                     f"{change.number} is {change.get_status_display().lower()}.")  # fmt: skip
    if user.pk in (change.requester_id, change.implementer_id):
        who = "requested" if user.pk == change.requester_id else "are implementing"
        raise NotPermitted(
            f"You {who} {change.number}: the requester and the implementer can never approve or "
            "reject their own change (segregation of duties)."
        )
    mine = next((vote for vote in votes if vote.voter_id == user.pk), None)
    if mine is not None:
        raise Conflict(
            f"You already voted on {change.number} in this round "
            f"({mine.get_decision_display().lower()} as {role_label(mine.role)}).",
            code="already_voted",
        )
    policy = change.approval_policy
    listed = list(policy.roles) if policy else []
    held = [name for name in listed if name in roles.roles_of(user)]
    if not held:
        wanted = ", ".join(role_label(name) for name in listed) or "no role"
        raise NotPermitted(f"{change.number} needs votes from {wanted}; you hold none of these CAB roles.")
    taken = {vote.role: vote for vote in votes}
    if role:
        if role not in held:
            raise InvalidInput({"role": [f"You cannot vote as {role!r}: choose one of {', '.join(held)}."]})
        if role in taken:
            raise Conflict(_role_taken(change, taken[role]), code="already_voted")
        return role
    open_roles = [name for name in held if name not in taken]
    if not open_roles:
        raise Conflict(_role_taken(change, taken[held[0]]), code="already_voted")
    if len(open_roles) > 1:
        raise InvalidInput(
            {"role": [f"You hold several roles this change needs ({', '.join(open_roles)}): choose one."]}
        )
    return open_roles[0]


def _role_taken(change: Change, vote: ChangeApproval) -> str:
    return (
        f"The {role_label(vote.role)} vote on {change.number} was already cast this round "
        f"({vote.get_decision_display().lower()} by {vote.voter.get_username()})."
    )


# --- services -----------------------------------------------------------------------------------


def active_policy(change_type: str) -> ApprovalPolicy | None:
    return ApprovalPolicy.objects.filter(change_type=change_type, active=True).first()


def approvers(policy: ApprovalPolicy, *, change: Change, only_roles: Iterable[str] | None = None) -> list:
    """Active users holding one of the policy's roles (or `only_roles`), never the change's own
    requester or implementer."""
    wanted = set(policy.roles) if only_roles is None else set(only_roles) & set(policy.roles)
    if not wanted:
        return []
    users = get_user_model().objects.filter(is_active=True, groups__name__in=wanted).distinct()
    return list(users.exclude(pk__in=[pk for pk in (change.requester_id, change.implementer_id) if pk]))


def approval_requested(*, change: Change, at: datetime) -> Change:
    """`change` (locked, in the caller's transaction) has just reached awaiting_approval: it is
    voted under its type's active policy in a new round, and the approvers are told."""
    assert transaction.get_connection().in_atomic_block, "approval_requested needs the caller's transaction"
    if change.status != Status.AWAITING_APPROVAL:
        raise ValueError(f"{change.number} is {change.status}, not awaiting approval.")
    policy = active_policy(change.type)
    if policy is None:
        raise Conflict(
            f"No active approval policy applies to {change.get_type_display().lower()} changes: "
            "a change manager must activate one first.",
            code="no_approval_policy",
        )
    change.approval_policy = policy
    change.approval_round += 1
    change.save(update_fields=["approval_policy", "approval_round"])
    announce(
        change,
        event_type=events.APPROVAL_REQUESTED.name,
        event_key=f"change:{change.pk}:approval:{change.approval_round}",
        title=f"{change.number} awaits your approval",
        body=f"{change.title} — {policy.name}.",
        recipients=approvers(policy, change=change),
        data={"policy": policy_payload(policy), "round": change.approval_round},
    )
    return change


def policy_payload(policy: ApprovalPolicy) -> dict:
    return {
        "name": policy.name,
        "mode": policy.mode,
        "required": approvals_needed(policy),
        "roles": list(policy.roles),
    }


@dataclass(frozen=True)
class VoteResult:
    change: Change  # as it is after the vote
    vote: ChangeApproval
    outcome: str  # pending | approved | rejected


def change_vote(
    *,
    change: Change,
    actor,
    decision: str,
    comment: str = "",
    role: str | None = None,
    at: datetime | None = None,
) -> VoteResult:
    """`actor` approves or rejects `change` in one of their CAB roles. A rejection needs a comment
    (its reason) and rejects the change; the approval that completes the policy approves it. All in
    one transaction on the locked row, so concurrent votes decide the change exactly once."""
    require(actor, permissions.VOTE)
    comment = (comment or "").strip()
    if decision not in ApprovalDecision.values:
        raise InvalidInput({"decision": [f"Decision must be one of {', '.join(ApprovalDecision.values)}."]})
    if decision == ApprovalDecision.REJECT and not comment:
        raise InvalidInput({"comment": ["A rejection needs a comment giving the reason."]})
    if role and role not in roles.CAB_ROLES:
        raise InvalidInput({"role": [f"Role must be one of {', '.join(roles.CAB_ROLES)}."]})
    at = at or timezone.now()
    with transaction.atomic():
        locked = change_lock(change)
        votes = current_votes(locked)
        chosen = vote_role(change=locked, votes=votes, user=actor, role=role or None)
        try:
            with transaction.atomic():
                vote = ChangeApproval.objects.create(
                    change=locked, voter=actor, role=chosen, decision=decision, comment=comment,
                    round=locked.approval_round, created_at=at,
                )  # fmt: skip
        except IntegrityError as exc:  # the row lock makes this unreachable; the constraints agree
            raise Conflict(f"This vote on {locked.number} was already cast.", code="already_voted") from exc
        votes.append(vote)
        outcome = policy_outcome(locked.approval_policy, vote_pairs(votes))
        _record_vote(locked, vote, actor=actor, at=at, outcome=outcome, votes=votes)
        if outcome == PENDING:
            change_touch(locked, at)
            locked.save(update_fields=["version", "updated_at"])
        else:
            _decide(locked, vote, outcome=outcome, actor=actor, at=at)
    return VoteResult(change=locked, vote=vote, outcome=outcome)


def current_votes(change: Change) -> list[ChangeApproval]:
    """The votes of the change's current round, oldest first."""
    if not change.approval_round:
        return []
    return list(
        ChangeApproval.objects.filter(change=change, round=change.approval_round).select_related("voter")
    )


def _record_vote(change, vote, *, actor, at, outcome, votes) -> None:
    word = DECISION_WORDS[vote.decision]
    timeline_record(
        subject=change,
        kind=TimelineEntry.Kind.COMMENT,
        actor=actor,
        created_at=at,
        note=f"{word} as {role_label(vote.role)}" + (f": {vote.comment}" if vote.comment else "."),
        data={"action": "vote", "decision": vote.decision, "role": vote.role, "round": vote.round},
    )
    announce(
        change,
        event_type=events.VOTED.name,
        event_key=f"change:{change.pk}:vote:{vote.pk}",
        title=f"{change.number} {word.lower()} by {actor.get_username()} as {role_label(vote.role)}",
        body=vote.comment,
        data={
            "round": vote.round,
            "voter": actor.get_username(),
            "role": vote.role,
            "decision": vote.decision,
            "comment": vote.comment,
            "outcome": outcome,
            "pending_roles": pending_roles(change.approval_policy, vote_pairs(votes)),
        },
        actor=actor,
    )


def _decide(change: Change, vote: ChangeApproval, *, outcome: str, actor, at: datetime) -> None:
    told = [user for user in (change.requester, change.implementer) if user is not None]
    if outcome == REJECTED:
        note = f"Rejected by {actor.get_username()} as {role_label(vote.role)}: {vote.comment}"
        change_apply(change, action="reject", actor=actor, note=note, at=at, recipients=told,
                     reason=vote.comment)  # fmt: skip
    else:
        note = f"Approved under {change.approval_policy.name} (last vote: {role_label(vote.role)})."
        change_apply(change, action="approve", actor=actor, note=note, at=at, recipients=told)
