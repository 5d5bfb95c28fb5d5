"""The incident process's SLA adapter: which policy applies to an incident, which targets the
migrated defaults have, who hears of a threshold and which events are published. The clocks
themselves live in sla/ (sla.engine); the services call the thin entry points below in the same
transaction as the change that causes them."""

from datetime import datetime

from core.processes import CREATE, Process, register_process
from sla import engine
from sla.engine import ClockAdapter, Firing
from sla.models import SlaClock

from . import selectors
from .announce import Announcement, announce_many
from .models import TRANSITIONS, Incident

PROCESS = "incident"

# The targets an incident policy has unless told otherwise (the API's response_target and
# resolution_target, and the defaults shipped by the migrations): the response clock runs from
# filing to acknowledgement; the resolution clock pauses while on hold and runs on after a reopen.
TARGET_TEMPLATES = {
    "response": {
        "start_on": [CREATE],
        "pause_on": [],
        "resume_on": [],
        "stop_on": ["acknowledge", "resolve", "cancel"],
    },
    "resolution": {
        "start_on": [CREATE],
        "pause_on": ["hold"],
        "resume_on": ["resume", "reopen"],
        "stop_on": ["resolve", "cancel"],
    },
}


class IncidentClocks(ClockAdapter):
    process = PROCESS
    model = Incident
    sweep_related = ("assignee", "assignment_group", "service")
    due_field = "sla_due_at"
    breached_field = "sla_breached_from"
    target_templates = TARGET_TEMPLATES

    def policy_scope(self, incident: Incident) -> dict:
        return {"priority": incident.priority, "service": incident.service}

    def describe(self, incident: Incident) -> str:
        return incident.number

    def publish(self, firings: list[Firing]) -> None:
        """The responsible people hear of every threshold, the team from 75 %, managers of breaches."""
        audience = selectors.Audience()
        announcements = []
        for firing in firings:
            incident, threshold, target = firing.record, firing.threshold, firing.clock.target
            recipients = list(audience.responsible(incident))
            if threshold != "warning_50":
                recipients += audience.team(incident)
            if threshold == "breach":
                recipients += audience.managers()
            announcements.append(
                Announcement(
                    incident=incident,
                    event_type="incident.sla_breached" if threshold == "breach" else "incident.sla_warning",
                    event_key=f"incident:{incident.pk}:sla:{target}:{threshold}",
                    title=f"{self.describe(incident)} {firing.what}",
                    body=f"{incident.title} — {incident.get_priority_display()}, {firing.due}.",
                    recipients=tuple(recipients),
                    data={"target": target, "threshold": threshold},
                )
            )
        announce_many(announcements)


ADAPTER = IncidentClocks()


def register() -> None:
    """Called from IncidentsConfig.ready(): the process and its clocks."""
    register_process(Process(key=PROCESS, label="Incident", transitions=TRANSITIONS, default=True))
    engine.register_adapter(ADAPTER)


def sla_plan(*, incident: Incident, at: datetime) -> list[SlaClock]:
    """Before the incident's first save (and its transaction): the clocks filing it starts, not
    saved, and its `sla_due_at` (their soonest deadline) and `sla_breached_from` set so that its INSERT
    stores them."""
    clocks = engine.clocks_plan(incident, at=at)
    for field, value in engine.derived_values(ADAPTER, clocks).items():
        setattr(incident, field, value)
    return clocks


def sla_start(*, incident: Incident, at: datetime, planned: list[SlaClock] | None = None) -> list[SlaClock]:
    """Start the clocks of the policy for the incident's process, priority and service (those
    `sla_plan` gave, when given); left on the incident for incidents.selectors.incident_row(), so the
    answer to the filing does not read them back."""
    clocks = engine.clocks_start(incident, at=at, planned=planned)
    setattr(incident, selectors.FILED_CLOCKS, clocks)
    return clocks


def sla_on_transition(*, incident: Incident, action: str, at: datetime) -> None:
    engine.clocks_on_transition(incident, action=action, at=at)


def sla_retarget(*, incident: Incident, at: datetime) -> None:
    """After a priority change: the new priority's targets, keeping the time already elapsed."""
    engine.clocks_retarget(incident, at=at)


def sweep_sla_clocks(*, now: datetime | None = None, batch_size: int = engine.SWEEP_BATCH) -> int:
    """The SLA sweep (of every process: see sla.engine.sweep_clocks)."""
    return engine.sweep_clocks(now=now, batch_size=batch_size)
