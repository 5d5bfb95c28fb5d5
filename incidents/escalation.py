"""Escalation of incidents left unacknowledged or unresolved: ordered levels of the matching
escalation policy fire once each, by the sweep when their time comes or manually. The incident
row carries `escalation_level` (last level fired) and `next_escalation_at` (indexed for the sweep);
firing and recording happen in one transaction with the incident row locked. Manual escalation
is `services.incident_escalate`."""

from datetime import datetime

from django.utils import timezone

from core.models import Team, TimelineEntry
from core.priority import priority_for, raised
from core.sweep import sweep_due
from core.timeline import timeline_field_change, timeline_record
from sla.models import EscalationLevel
from sla.selectors import escalation_policy_for

from . import selectors
from .announce import announce
from .models import OPEN_STATUSES, Incident
from .sla import sla_retarget

SWEEP_BATCH = 200


def escalation_assign_policy(incident: Incident) -> None:
    """(Re)choose the policy for the incident's priority and service; in memory, caller saves.
    A different policy starts again from its first level (levels already due fire at once)."""
    policy = escalation_policy_for(priority=incident.priority, service=incident.service)
    if (policy and policy.pk) != incident.escalation_policy_id:
        incident.escalation_policy = policy
        incident.escalation_level = 0
    escalation_schedule(incident)


def escalation_schedule(incident: Incident) -> None:
    level = next_level(incident)
    incident.next_escalation_at = incident.created_at + level.after if level else None


def sweep_escalations(*, now: datetime | None = None, batch_size: int = SWEEP_BATCH) -> int:
    """Fire every escalation level that is due, in order (see core.sweep.sweep_due)."""
    now = now or timezone.now()

    def fire(incidents: list[Incident]) -> int:
        fired = 0
        for incident in incidents:
            while (level := next_level(incident)) and incident.created_at + level.after <= now:
                fire_level(incident, level, now=now)
                fired += 1
            escalation_schedule(incident)
            incident.save(update_fields=["next_escalation_at"])
        return fired

    incidents = Incident.objects.select_related("assignee", "assignment_group", "service")
    return sweep_due(
        incidents, due_field="next_escalation_at", now=now, batch_size=batch_size, fire_batch=fire
    )


def _applies(level: EscalationLevel, incident: Incident) -> bool:
    if incident.status not in OPEN_STATUSES:
        return False
    return level.trigger != EscalationLevel.Trigger.NOT_ACKNOWLEDGED or incident.acknowledged_at is None


def next_level(incident: Incident) -> EscalationLevel | None:
    if incident.escalation_policy_id is None:
        return None
    levels = EscalationLevel.objects.filter(
        policy_id=incident.escalation_policy_id, number__gt=incident.escalation_level
    )
    return next((level for level in levels.order_by("number") if _applies(level, incident)), None)


def fire_level(
    incident: Incident, level: EscalationLevel, *, now: datetime, actor=None, note: str = ""
) -> None:
    """Run one level's actions, record it, notify; the incident row is locked by the caller."""
    done, changes = [], []
    team = Team.objects.filter(group_id=incident.assignment_group_id).first()
    new_group = level.reassign_to_group or (
        team.escalation_group if level.raise_to_next_group and team else None
    )
    if new_group and new_group.pk != incident.assignment_group_id:
        changes.append(("assignment_group", incident.assignment_group, new_group))
        incident.assignment_group = new_group
        if incident.assignee_id:
            changes.append(("assignee", incident.assignee, None))
            incident.assignee = None
        done.append(f"reassigned to {new_group.name}")
    if level.raise_priority:
        impact, urgency = raised(incident.impact, incident.urgency)
        if (impact, urgency) != (incident.impact, incident.urgency):
            old = incident.get_priority_display()
            incident.impact, incident.urgency, incident.priority = (
                impact,
                urgency,
                priority_for(impact, urgency),
            )
            changes.append(("priority", old, incident.get_priority_display()))
            done.append(f"priority raised to {incident.get_priority_display()}")

    audience = selectors.Audience()
    recipients = list(level.notify_users.filter(is_active=True))
    if level.notify_group_id:
        recipients += list(level.notify_group.user_set.filter(is_active=True))
    if level.notify_assignment_group:
        recipients += audience.team(incident)
    if level.notify_group_lead and (lead := audience.lead(incident)):
        recipients.append(lead)
    if level.notify_managers:
        recipients += audience.managers()
    names = sorted({user.get_username() for user in recipients})
    if names:
        done.insert(0, "notified " + ", ".join(names))

    incident.escalation_level = level.number
    escalation_schedule(incident)
    incident.version += 1
    incident.updated_at = now
    incident.save()
    if any(field == "priority" for field, _, _ in changes):
        sla_retarget(incident=incident, at=now)
    how = "manually" if actor else f"{level.get_trigger_display().lower()} after {level.after}"
    summary = f"Escalation level {level.number} ({how}): {'; '.join(done) or 'no action'}."
    timeline_record(
        subject=incident,
        kind=TimelineEntry.Kind.ESCALATION,
        actor=actor,
        created_at=now,
        note=f"{summary} {note}".strip(),
        data={"level": level.number, "policy": level.policy_id, "manual": bool(actor)},
    )
    for field, old, new in changes:
        timeline_field_change(subject=incident, field=field, old=old, new=new, actor=actor, at=now)
    announce(
        incident=incident,
        event_type="incident.escalated",
        event_key=f"incident:{incident.pk}:escalation:{incident.escalation_policy_id}:{level.number}",
        title=f"{incident.number} escalated (level {level.number})",
        body=f"{incident.title} — {summary}",
        recipients=recipients,
        data={"level": level.number},
    )
