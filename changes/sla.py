"""The change process's SLA adapter: which policy applies to a change (process "change", by priority)
and who hears of a threshold. The approval clock (remind pending approvers, then escalate to the change
manager) is configured as an SLA target of process "change" that starts when approval is requested."""

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import models

from core import roles
from core.events import publish_many
from core.processes import Process, register_process
from sla import engine
from sla.engine import Firing

from . import events
from .announce import change_event
from .models import TRANSITIONS, Change, ChangeApproval, Status

PROCESS = "change"
APPROVAL_TARGET = "approval"


class ChangeClocks(engine.ClockAdapter):
    process = PROCESS
    model = Change
    sweep_related = ("requester", "implementer", "approval_policy")

    def policy_scope(self, change: Change) -> dict:
        return {"priority": change.priority, "service": None}

    def describe(self, change: Change) -> str:
        return change.number

    def publish(self, firings: list[Firing]) -> None:
        """The approval clock: at 50 % the approvers whose vote is pending are reminded; at the breach
        the change managers hear the approval is overdue (the pending approvers too). Other
        thresholds and targets are only recorded on the timeline (by the engine). In bulk: one query
        for the batch's votes, one for the CAB members, one for the change managers."""
        firings = [
            firing
            for firing in firings
            if firing.clock.target == APPROVAL_TARGET
            and firing.threshold in ("warning_50", "breach")
            and firing.record.status == Status.AWAITING_APPROVAL
            and firing.record.approval_policy_id
        ]
        if not firings:
            return
        audience = ApprovalAudience([firing.record for firing in firings])
        new_events = []
        for firing in firings:
            change = firing.record
            pending = audience.pending_roles(change)
            recipients = audience.pending_approvers(change, pending)
            overdue = firing.threshold == "breach"
            if overdue:
                recipients += [user for user in audience.change_managers() if user not in recipients]
            event_type = events.APPROVAL_OVERDUE if overdue else events.APPROVAL_REMINDER
            waiting = ", ".join(role.replace("cab_", "").replace("_", " ") for role in pending) or "nobody"
            new_events.append(
                change_event(
                    change,
                    event_type=event_type.name,
                    event_key=f"change:{change.pk}:approval:{change.approval_round}:{firing.threshold}",
                    title=f"{change.number} approval {'overdue' if overdue else 'pending: reminder'}",
                    body=f"{change.title} — waiting for {waiting}; {firing.due}.",
                    recipients=recipients,
                    data={
                        "round": change.approval_round,
                        "pending_roles": pending,
                        "due_at": firing.clock.due_at.isoformat() if firing.clock.due_at else "",
                    },
                )
            )
        publish_many(new_events)


class ApprovalAudience:
    """Who is waited for on a batch of changes awaiting approval (a constant number of queries)."""

    def __init__(self, changes: list[Change]):
        self._voted: dict[int, list[tuple[int, str]]] = defaultdict(list)  # change → (voter, role)
        rounds = {change.pk: change.approval_round for change in changes}
        votes = ChangeApproval.objects.filter(change_id__in=rounds).values_list(
            "change_id", "round", "voter_id", "role"
        )
        for change_id, round_, voter_id, role in votes:
            if rounds[change_id] == round_:
                self._voted[change_id].append((voter_id, role))
        members = get_user_model().objects.filter(is_active=True, groups__name__in=roles.CAB_ROLES)
        self._holders: dict[str, list] = defaultdict(list)
        for user in members.annotate(role=models.F("groups__name")).order_by("pk"):
            self._holders[user.role].append(user)
        self._managers = None

    def pending_roles(self, change: Change) -> list[str]:
        taken = {role for _voter, role in self._voted[change.pk]}
        return [role for role in change.approval_policy.roles if role not in taken]

    def pending_approvers(self, change: Change, pending: list[str]) -> list:
        """Holders of a pending role who have not voted, never the requester or implementer."""
        excluded = {change.requester_id, change.implementer_id} | {
            voter for voter, _ in self._voted[change.pk]
        }
        found, seen = [], set()
        for role in pending:
            for user in self._holders.get(role, ()):
                if user.pk not in excluded and user.pk not in seen:
                    seen.add(user.pk)
                    found.append(user)
        return found

    def change_managers(self) -> list:
        if self._managers is None:
            users = get_user_model().objects.filter(is_active=True, groups__name=roles.CHANGE_MANAGER)
            self._managers = list(users.distinct().order_by("pk"))
        return self._managers


ADAPTER = ChangeClocks()


def register() -> None:
    """Called from ChangesConfig.ready(): the process and its clocks."""
    register_process(Process(key=PROCESS, label="Change", transitions=TRANSITIONS))
    engine.register_adapter(ADAPTER)
