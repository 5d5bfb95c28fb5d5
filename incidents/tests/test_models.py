"""The priority matrix and the complete transition table of the incident lifecycle."""

import itertools

import pytest
from django.utils import timezone
from django_fsm import can_proceed

from incidents.models import TRANSITIONS, Incident, Priority, Status, priority_for

ITIL_MATRIX = {
    (1, 1): Priority.P1,
    (1, 2): Priority.P2,
    (2, 1): Priority.P2,
    (1, 3): Priority.P3,
    (2, 2): Priority.P3,
    (3, 1): Priority.P3,
    (2, 3): Priority.P4,
    (3, 2): Priority.P4,
    (3, 3): Priority.P4,
}


@pytest.mark.parametrize(("impact", "urgency"), list(ITIL_MATRIX))
def test_priority_follows_the_itil_matrix(impact, urgency):
    assert priority_for(impact, urgency) == ITIL_MATRIX[(impact, urgency)]


def test_priorities_carry_severity_names():
    assert [p.label for p in Priority] == ["P1 critical", "P2 high", "P3 medium", "P4 low"]


# Every allowed (source, transition) → target; every other pair must be refused.
ALLOWED = {
    (Status.NEW, "acknowledge"): Status.ACKNOWLEDGED,
    (Status.ACKNOWLEDGED, "start"): Status.IN_PROGRESS,
    (Status.IN_PROGRESS, "hold"): Status.ON_HOLD,
    (Status.ON_HOLD, "resume"): Status.IN_PROGRESS,
    (Status.ACKNOWLEDGED, "resolve"): Status.RESOLVED,
    (Status.IN_PROGRESS, "resolve"): Status.RESOLVED,
    (Status.RESOLVED, "close"): Status.CLOSED,
    (Status.RESOLVED, "reopen"): Status.IN_PROGRESS,
    (Status.NEW, "cancel"): Status.CANCELLED,
    (Status.ACKNOWLEDGED, "cancel"): Status.CANCELLED,
    (Status.IN_PROGRESS, "cancel"): Status.CANCELLED,
    (Status.ON_HOLD, "cancel"): Status.CANCELLED,
}
ARGS = {
    "resolve": {"resolution_code": "fixed", "resolution_notes": "Rolled back the deploy."},
    "hold": {"hold_reason": "awaiting_vendor"},
}
ALL_PAIRS = list(itertools.product(Status.values, TRANSITIONS))


@pytest.mark.parametrize(("source", "action"), ALL_PAIRS)
def test_transition_table(source, action):
    incident = Incident(status=source)
    method = getattr(incident, action)
    if (source, action) in ALLOWED:
        assert can_proceed(method)
        method(at=timezone.now(), **ARGS.get(action, {}))
        assert incident.status == ALLOWED[(source, action)]
    else:
        assert not can_proceed(method)
        assert action not in incident.allowed_transitions()


@pytest.mark.parametrize("state", Status.values)
def test_allowed_transitions_lists_exactly_the_table(state):
    expected = sorted(action for (source, action) in ALLOWED if source == state)
    assert sorted(Incident(status=state).allowed_transitions()) == expected


def test_status_cannot_be_assigned_directly():
    incident = Incident()
    with pytest.raises(AttributeError):
        incident.status = Status.CLOSED


def test_each_transition_stamps_the_time_it_was_reached():
    incident = Incident()
    at = timezone.now()
    incident.acknowledge(at=at)
    incident.start(at=at)
    incident.resolve(at=at, **ARGS["resolve"])
    incident.close(at=at)
    assert (incident.acknowledged_at, incident.started_at, incident.resolved_at, incident.closed_at) == (
        at,
    ) * 4


def test_reopen_clears_the_resolution():
    incident = Incident(status=Status.RESOLVED, resolution_code="fixed", resolution_notes="x")
    incident.reopen(at=timezone.now())
    assert (incident.status, incident.resolution_code, incident.resolution_notes) == (
        Status.IN_PROGRESS,
        "",
        "",
    )
