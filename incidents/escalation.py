"""How incidents are escalated: the adapter that tells sla/escalations.py which policy applies, when
an incident counts as open, acknowledged or on hold, how escalation reassigns it and raises its
priority, and whom it tells. The state (level reached, next due) lives in sla.Escalation; the sweep
is sla.escalations.sweep_escalations. Manual escalation is `services.incident_escalate`."""

from collections.abc import Iterable
from datetime import datetime

from core.priority import priority_for, raised
from sla import escalations
from sla.escalations import Change, Firing
from sla.models import Escalation
from sla.selectors import escalation_of

from .announce import Announcement, announce_many
from .models import OPEN_STATUSES, Incident, Status
from .selectors import FILED_ESCALATION
from .sla import sla_retarget

SAVED_FIELDS = ["assignment_group", "assignee", "impact", "urgency", "priority", "version", "updated_at"]


class IncidentEscalation(escalations.EscalationAdapter):
    process = "incident"
    model = Incident

    def policy_key(self, record: Incident):
        return record.priority, record.service

    def is_open(self, record: Incident) -> bool:
        return record.status in OPEN_STATUSES

    def is_acknowledged(self, record: Incident) -> bool:
        return record.acknowledged_at is not None

    def is_on_hold(self, record: Incident) -> bool:
        return record.status == Status.ON_HOLD

    def filed_at(self, record: Incident) -> datetime:
        return record.created_at

    def lock(self, pks: Iterable[int]) -> dict[int, Incident]:
        incidents = Incident.objects.select_for_update(skip_locked=True, of=("self",)).select_related(
            "assignee", "assignment_group", "service"
        )
        return {incident.pk: incident for incident in incidents.filter(pk__in=list(pks))}

    def assignment_group_id(self, record: Incident) -> int | None:
        return record.assignment_group_id

    def assignee(self, record: Incident):
        return record.assignee if record.assignee_id else None

    def reassign(self, record: Incident, group) -> list[Change]:
        changes: list[Change] = [("assignment_group", record.assignment_group, group)]
        record.assignment_group = group
        if record.assignee_id:
            changes.append(("assignee", record.assignee, None))
            record.assignee = None
        return changes

    def raise_priority(self, record: Incident) -> list[Change]:
        impact, urgency = raised(record.impact, record.urgency)
        if (impact, urgency) == (record.impact, record.urgency):
            return []
        old = record.get_priority_display()
        record.impact, record.urgency, record.priority = impact, urgency, priority_for(impact, urgency)
        return [("priority", old, record.get_priority_display())]

    def save_fired(self, firings: list[Firing], *, at: datetime) -> None:
        incidents = {}
        for firing in firings:
            incident = incidents.setdefault(firing.record.pk, firing.record)
            incident.version += 1
            incident.updated_at = at
        Incident.objects.bulk_update(list(incidents.values()), SAVED_FIELDS, batch_size=1000)
        raised_ids = {f.record.pk for f in firings if any(name == "priority" for name, _, _ in f.changes)}
        for pk in sorted(raised_ids):  # only levels that raise priority: one re-target each
            sla_retarget(incident=incidents[pk], at=at)

    def announce(self, firings: list[Firing]) -> None:
        announce_many(
            [
                Announcement(
                    incident=firing.record,
                    event_type="incident.escalated",
                    event_key=event_key(firing.record, firing.escalation, firing.level.number),
                    title=f"{firing.record.number} escalated (level {firing.level.number})",
                    body=f"{firing.record.title} — {firing.summary}",
                    recipients=tuple(firing.recipients),
                    data={"level": firing.level.number},
                )
                for firing in firings
            ]
        )


ADAPTER = escalations.register(IncidentEscalation())


def event_key(incident: Incident, escalation: Escalation, level: int) -> str:
    return f"incident:{incident.pk}:escalation:{escalation.policy_id}:{level}"


def escalation_assign_policy(incident: Incident, *, at: datetime) -> Escalation | None:
    """(Re)choose the policy after filing or a change of priority or service."""
    return escalations.escalation_apply(record=incident, at=at)


def escalation_plan(incident: Incident, *, at: datetime) -> Escalation | None:
    """Before the incident's first save (and its transaction): its escalation, not saved."""
    return escalations.escalation_plan(record=incident, at=at)


def escalation_start(incident: Incident, escalation: Escalation | None) -> Escalation | None:
    """Save the planned escalation of an incident just filed; left on the incident (None too) for
    incidents.selectors.incident_row(), so the answer to the filing does not read it back."""
    escalation = escalations.escalation_start(record=incident, escalation=escalation)
    setattr(incident, FILED_ESCALATION, escalation)
    return escalation


def escalation_on_transition(incident: Incident, *, at: datetime) -> Escalation | None:
    """After a lifecycle step: on hold stops the escalation time, acknowledging or resolving drops
    the levels that no longer apply."""
    return escalations.escalation_update(record=incident, at=at)


def escalation_level(incident: Incident) -> int:
    """The last level fired (0: none); list querysets carry it as an annotation instead."""
    annotated = getattr(incident, "escalation_level", None)
    if annotated is not None:
        return annotated
    escalation = escalation_of(incident)
    return escalation.level if escalation else 0
