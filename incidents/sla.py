"""The SLA clocks of incidents. The incident services start, pause, stop and re-target them in the
same transaction as the change that causes it; `sweep_sla_clocks` fires the thresholds as time
passes. A threshold fires exactly once: its firing is recorded on the clock row in the same
transaction as its timeline entry and notifications, and the row is locked while that happens."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from core.models import TimelineEntry
from core.sweep import sweep_due
from core.timeline import timeline_entry, timeline_record_many
from sla import clock as sla_clock
from sla.selectors import sla_policy_for, working_calendar

from . import selectors
from .announce import Announcement, announce_many
from .models import Incident, IncidentSlaClock

RESPONSE = IncidentSlaClock.Target.RESPONSE
RESOLUTION = IncidentSlaClock.Target.RESOLUTION

# What each transition does to each clock.
CLOCK_EFFECTS = {
    "acknowledge": {RESPONSE: sla_clock.stop},
    "hold": {RESOLUTION: sla_clock.pause},
    "resume": {RESOLUTION: sla_clock.resume},
    "resolve": {RESPONSE: sla_clock.stop, RESOLUTION: sla_clock.stop},
    "reopen": {RESOLUTION: sla_clock.resume},
    "cancel": {RESPONSE: sla_clock.stop, RESOLUTION: sla_clock.stop},
}
THRESHOLD_WORDS = {"warning_50": "50 % elapsed", "warning_75": "75 % elapsed (at risk)", "breach": "breached"}
SWEEP_BATCH = 500
FIRED_FIELDS = ["warned_50_at", "warned_75_at", "breached_at", "next_fire_at"]


def sla_start(*, incident: Incident, at: datetime) -> list[IncidentSlaClock]:
    """Start the response and resolution clocks from the policy for the incident's priority."""
    policy = sla_policy_for(priority=incident.priority, service=incident.service)
    if policy is None:
        return []
    calendar = working_calendar(policy.calendar_id)
    clocks = []
    for target, duration in ((RESPONSE, policy.response_target), (RESOLUTION, policy.resolution_target)):
        clock = IncidentSlaClock(
            incident=incident, target=target, policy=policy, calendar_id=policy.calendar_id
        )
        sla_clock.start(clock, at=at, target=duration, calendar=calendar)
        clocks.append(clock)
    return IncidentSlaClock.objects.bulk_create(clocks)


def sla_on_transition(*, incident: Incident, action: str, at: datetime) -> None:
    effects = CLOCK_EFFECTS.get(action, {})
    firings = []
    for clock in _locked_clocks(incident):
        firings += _catch_up(clock, incident=incident, now=at)
        if clock.target in effects:
            effects[clock.target](clock, at=at, calendar=clock.working_calendar())
        clock.save()
    _record(firings, audience=selectors.Audience())


def sla_retarget(*, incident: Incident, at: datetime) -> None:
    """After a priority change: the new priority's targets, keeping the time already elapsed."""
    policy = sla_policy_for(priority=incident.priority, service=incident.service)
    if policy is None:
        return
    new_calendar = working_calendar(policy.calendar_id)
    targets = {RESPONSE: policy.response_target, RESOLUTION: policy.resolution_target}
    firings = []
    for clock in _locked_clocks(incident):
        firings += _catch_up(clock, incident=incident, now=at)
        if clock.stopped_at is None:
            old_calendar = clock.working_calendar()
            sla_clock.retarget(
                clock,
                at=at,
                target=targets[clock.target],
                old_calendar=old_calendar,
                new_calendar=new_calendar,
            )
            clock.policy, clock.calendar_id = policy, policy.calendar_id
        clock.save()
    _record(firings, audience=selectors.Audience())


def sweep_sla_clocks(*, now: datetime | None = None, batch_size: int = SWEEP_BATCH) -> int:
    """Fire every threshold that is due (see core.sweep.sweep_due); returns how many fired. A batch
    is written in a constant number of statements: clocks, timeline entries, notifications, emails
    and webhooks each in bulk."""
    now = now or timezone.now()
    audience = selectors.Audience()

    def fire(clocks: list[IncidentSlaClock]) -> int:
        at = max(now, timezone.now())  # when this batch really fires (a long sweep's later batches)
        firings = [
            firing for clock in clocks for firing in _catch_up(clock, incident=clock.incident, now=now, at=at)
        ]
        IncidentSlaClock.objects.bulk_update(clocks, FIRED_FIELDS, batch_size=1000)
        _record(firings, audience=audience)
        return len(firings)

    clocks = IncidentSlaClock.objects.select_related(
        "incident__assignee", "incident__assignment_group", "incident__service"
    )
    return sweep_due(clocks, due_field="next_fire_at", now=now, batch_size=batch_size, fire_batch=fire)


@dataclass(frozen=True)
class Firing:
    """One threshold of one clock reached at `at`."""

    clock: IncidentSlaClock
    incident: Incident
    threshold: str
    at: datetime


def _locked_clocks(incident: Incident) -> list[IncidentSlaClock]:
    clocks = IncidentSlaClock.objects.select_for_update(of=("self",)).filter(incident=incident)
    return list(clocks.select_related("calendar").order_by("-target"))


def _catch_up(
    clock: IncidentSlaClock, *, incident: Incident, now: datetime, at: datetime | None = None
) -> list[Firing]:
    """Mark the thresholds the clock had reached by `now` and not yet fired, as fired `at` (default
    `now`); the caller records them."""
    at = at or now
    due = sla_clock.due_thresholds(clock, now=now)
    for threshold in due:
        sla_clock.mark_fired(clock, threshold, at=at)
    return [Firing(clock, incident, threshold.name, at) for threshold in due]


def _record(firings: list[Firing], *, audience: selectors.Audience) -> None:
    """The timeline entries, notifications and webhook events of the firings, in bulk."""
    entries, announcements = [], []
    for firing in firings:
        clock, incident, threshold = firing.clock, firing.incident, firing.threshold
        what = f"{clock.get_target_display()} SLA {THRESHOLD_WORDS[threshold]}"
        due = f"due {clock.due_at:%Y-%m-%d %H:%M} UTC" if clock.due_at else "clock stopped"
        entries.append(
            timeline_entry(
                subject=incident,
                kind=TimelineEntry.Kind.SLA,
                created_at=firing.at,
                note=f"{what} ({due}; target {clock.target_duration}).",
                data={
                    "target": clock.target,
                    "threshold": threshold,
                    "due_at": clock.due_at and clock.due_at.isoformat(),
                },
            )
        )
        recipients = list(audience.responsible(incident))
        if threshold != "warning_50":
            recipients += audience.team(incident)
        if threshold == "breach":
            recipients += audience.managers()
        announcements.append(
            Announcement(
                incident=incident,
                event_type="incident.sla_breached" if threshold == "breach" else "incident.sla_warning",
                event_key=f"incident:{incident.pk}:sla:{clock.target}:{threshold}",
                title=f"{incident.number} {what}",
                body=f"{incident.title} — {incident.get_priority_display()}, {due}.",
                recipients=tuple(recipients),
                data={"target": clock.target, "threshold": threshold},
            )
        )
    if firings:
        timeline_record_many(entries)
        announce_many(announcements)
