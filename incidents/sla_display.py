"""How the incident pages show SLA clocks and escalation. Pure presentation over the clocks the
selectors prefetch (no queries for the queue), with the state vocabulary of sla/states.py:
on_track | at_risk | breached | met | paused | cancelled (a cancelled incident's stopped clocks). static/opsdesk/opsdesk.js ticks the countdowns of
running clocks from `data-due`, with the same wording as core/formatting.py's "clock" style."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.formatting import duration_text, local_minute
from sla import clock as sla_clock
from sla import states
from sla.escalations import pending_levels
from sla.models import SlaClock
from sla.selectors import escalation_shown
from sla.states import State

from .escalation import ADAPTER
from .models import Incident, Status

STATE_LABELS = {
    State.ON_TRACK: "On track",
    State.AT_RISK: "At risk",
    State.BREACHED: "Breached",
    State.MET: "Met",
    State.PAUSED: "Paused",
    State.CANCELLED: "Cancelled",
}
# When no clock runs, the queue shows the state that matters most.
IDLE_PRECEDENCE = (State.BREACHED, State.PAUSED, State.MET, State.CANCELLED)


@dataclass(frozen=True)
class SlaBadge:
    target: str
    target_label: str
    state: str
    state_label: str
    due_at: datetime | None  # while running
    at_risk_at: datetime | None
    remaining: str  # "14m 58s", "overdue 3m 05s", "1h 40m left", "took 4m 12s", "breached 2h 05m ago"
    ticking: bool  # the browser counts it down
    target_duration: timedelta
    stopped_at: datetime | None

    @property
    def target_span(self) -> str:
        """The target itself, e.g. 15m (only the detail page says it: not formatted per queue row)."""
        return duration_text(self.target_duration, "span")

    @property
    def is_breached(self) -> bool:
        return self.state == State.BREACHED

    @property
    def due_iso(self) -> str:
        return iso(self.due_at)

    @property
    def at_risk_iso(self) -> str:
        return iso(self.at_risk_at)

    @property
    def due_title(self) -> str:
        """The due time in the reader's zone, e.g. "2026-11-16 19:00 JST" (core.formatting)."""
        return local_minute(self.due_at)


def iso(instant: datetime | None) -> str:
    """An instant for `data-*` attributes, which JavaScript's Date.parse reads."""
    return instant.isoformat(timespec="milliseconds") if instant else ""


def sla_badge(clock: SlaClock, *, now: datetime, cancelled: bool = False) -> SlaBadge:
    state = states.state(clock, now=now, cancelled=cancelled)
    running = sla_clock.is_running(clock)
    left = sla_clock.remaining(clock, now=now)
    if running:
        remaining = (
            duration_text(left, "clock")
            if left > timedelta(0)
            else f"overdue {duration_text(-left, 'clock')}"
        )
    elif state == State.PAUSED:
        remaining = f"{duration_text(left, 'clock')} left"
    elif state == State.MET:
        remaining = f"took {duration_text(clock.elapsed, 'clock')}"
    elif state == State.CANCELLED:
        remaining = f"stopped after {duration_text(clock.elapsed, 'clock')}"
    elif clock.breached_at:
        remaining = f"breached {duration_text(now - clock.breached_at, 'clock')} ago"
    else:
        remaining = f"missed by {duration_text(clock.elapsed - clock.target_duration, 'clock')}"
    return SlaBadge(
        target=clock.target,
        target_label=clock.target_label,
        state=state,
        state_label=STATE_LABELS[state],
        due_at=clock.due_at if running else None,
        at_risk_at=clock.at_risk_at if running else None,
        remaining=remaining,
        ticking=running,
        target_duration=clock.target_duration,
        stopped_at=clock.stopped_at,
    )


def incident_sla_badges(incident: Incident, *, now: datetime) -> list[SlaBadge]:
    """One badge per target, response first: the clocks incident_shown() read (`sla_clock_list`), else
    the prefetched `sla_clocks` of a services' read (incident_list())."""
    clocks = incident.__dict__.get("sla_clock_list")
    clocks = incident.sla_clocks.all() if clocks is None else clocks
    return sla_badges(clocks, now=now, cancelled=incident.status == Status.CANCELLED)


def sla_badges(clocks: Iterable[SlaClock], *, now: datetime, cancelled: bool = False) -> list[SlaBadge]:
    return [sla_badge(clock, now=now, cancelled=cancelled) for clock in clocks]


@dataclass(frozen=True)
class QueueSla:
    badge: SlaBadge
    also_breached: list[str]  # other targets already breached, e.g. ["response"]


def queue_sla(clocks: Iterable[SlaClock], *, now: datetime, cancelled: bool = False) -> QueueSla | None:
    """Of a row's clocks (e.g. incidents.selectors.incident_queue's `sla_clock_list`): the most urgent
    running one, else the state that matters most among the stopped ones. `cancelled`: the incident's.
    Only the chosen clock's badge is built (its texts are most of the cost, at 50 rows a page)."""
    stated = [(clock, states.state(clock, now=now, cancelled=cancelled)) for clock in clocks]
    if not stated:
        return None
    running = [pair for pair in stated if sla_clock.is_running(pair[0])]
    if running:
        chosen, _ = min(running, key=lambda pair: pair[0].due_at)
    else:
        chosen, _ = min(stated, key=lambda pair: IDLE_PRECEDENCE.index(pair[1]))
    others = [
        clock.target_label.lower()
        for clock, state in stated
        if clock is not chosen and state == State.BREACHED
    ]
    return QueueSla(badge=sla_badge(chosen, now=now, cancelled=cancelled), also_breached=others)


@dataclass(frozen=True)
class EscalationInfo:
    policy_name: str
    level: int
    level_count: int
    next_at: datetime | None  # when the sweep fires the next level
    next_in: str
    manual_level: int | None  # the level "Escalate" fires now, if any
    manual_description: str


def escalation_info(incident: Incident, *, now: datetime) -> EscalationInfo | None:
    """The escalation's progress on the detail page (one query; two when there is one), from the
    levels snapshotted when the policy was applied."""
    escalation = escalation_shown(incident)
    if escalation is None:
        return None
    upcoming = next(iter(pending_levels(escalation, incident, ADAPTER)), None)
    next_at = escalation.next_due_at
    return EscalationInfo(
        policy_name=escalation.policy.name,
        level=escalation.level,
        level_count=len(escalation.levels),
        next_at=next_at,
        next_in=duration_text(next_at - now, "clock") if next_at and next_at > now else "",
        manual_level=upcoming.number if upcoming else None,
        manual_description=(
            f"{upcoming.trigger_label.lower()} after {duration_text(upcoming.after, 'span')}"
            if upcoming
            else ""
        ),
    )
