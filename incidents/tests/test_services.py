"""Services: every write checks who and what, and leaves a matching timeline."""

import pytest
import time_machine
from django.utils import timezone

from core import roles
from core.errors import ConcurrentModification, InvalidInput, NotPermitted, TransitionNotAllowed
from core.models import ImmutableRecord, TimelineEntry
from core.timeline import timeline_for
from incidents import services
from incidents.models import Incident, Priority, Status
from incidents.tests.factories import PATH_TO, incident_in_state

from .test_models import ALL_PAIRS, ALLOWED, ARGS

pytestmark = pytest.mark.django_db


def test_create_numbers_prioritises_and_records_creation(agent, service, ci):
    incident = services.incident_create(
        actor=agent, title="  DB down ", service=service, ci=ci, impact=1, urgency=2
    )
    stored = Incident.objects.get(pk=incident.pk)
    assert stored.number == "INC-000001"  # the first of the INC sequence (core/numbering.py), not the pk
    assert (stored.title, stored.priority, stored.status, stored.reporter) == (
        "DB down",
        Priority.P2,
        "new",
        agent,
    )
    [entry] = timeline_for(stored)
    assert (entry.kind, entry.actor, entry.to_state) == ("created", agent, "new")
    assert "P2 high" in entry.note


def test_create_refuses_bad_input_with_field_messages(agent, service, make_user):
    viewer = make_user(roles.VIEWER)
    with pytest.raises(InvalidInput) as caught:
        services.incident_create(
            actor=agent, title=" ", service=service, impact=7, urgency=0, assignee=viewer
        )
    assert set(caught.value.fields) == {"title", "impact", "urgency", "assignee"}
    assert Incident.objects.count() == 0


def test_ci_must_belong_to_the_service(agent, service, ci):
    from catalog.tests.factories import ConfigurationItemFactory

    foreign_ci = ConfigurationItemFactory()
    with pytest.raises(InvalidInput) as caught:
        services.incident_create(actor=agent, title="x", service=service, ci=foreign_ci)
    assert "does not belong" in caught.value.fields["ci"][0]


@pytest.mark.parametrize("role", [roles.VIEWER, roles.CAB_TECH_LEAD, roles.CHANGE_MANAGER])
def test_only_workers_may_write(make_user, service, incident, role):
    outsider = make_user(role)
    with pytest.raises(NotPermitted):
        services.incident_create(actor=outsider, title="x", service=service)
    with pytest.raises(NotPermitted):
        services.incident_transition(incident=incident, actor=outsider, action="acknowledge")
    with pytest.raises(NotPermitted):
        services.incident_comment_add(incident=incident, actor=outsider, body="hi")


@pytest.mark.parametrize(("source", "action"), ALL_PAIRS)
def test_service_transition_table(agent, source, action):
    incident = incident_in_state(source, reporter=agent)
    before = timeline_for(incident).count()
    params = dict(ARGS.get(action, {}))
    note = "Because." if action in services.NOTE_REQUIRED else ""
    if (source, action) in ALLOWED:
        incident = services.incident_transition(
            incident=incident, actor=agent, action=action, note=note, **params
        )
        stored = Incident.objects.get(pk=incident.pk)
        assert stored.status == ALLOWED[(source, action)]
        last = timeline_for(stored).last()
        assert (last.kind, last.from_state, last.to_state, last.actor) == (
            "transition",
            source,
            stored.status,
            agent,
        )
    else:
        with pytest.raises(TransitionNotAllowed) as caught:
            services.incident_transition(incident=incident, actor=agent, action=action, note=note, **params)
        assert caught.value.current_status == source
        assert caught.value.allowed_transitions == sorted(a for (s, a) in ALLOWED if s == source)
        assert Incident.objects.get(pk=incident.pk).status == source
        assert timeline_for(incident).count() == before


def test_resolve_requires_code_and_notes(agent, incident):
    incident = services.incident_transition(incident=incident, actor=agent, action="acknowledge")
    with pytest.raises(InvalidInput) as caught:
        services.incident_resolve(
            incident=incident, actor=agent, resolution_code="bogus", resolution_notes=" "
        )
    assert set(caught.value.fields) == {"resolution_code", "resolution_notes"}
    assert Incident.objects.get(pk=incident.pk).status == Status.ACKNOWLEDGED


@pytest.mark.parametrize("action", sorted(services.NOTE_REQUIRED))
def test_cancel_and_reopen_need_a_reason(agent, action):
    incident = incident_in_state("resolved" if action == "reopen" else "new", reporter=agent)
    with pytest.raises(InvalidInput) as caught:
        services.incident_transition(incident=incident, actor=agent, action=action, note="  ")
    assert "note" in caught.value.fields


def test_timestamps_follow_the_clock(agent, incident):
    with time_machine.travel("2026-11-20 10:00:00Z", tick=False):
        incident = services.incident_transition(incident=incident, actor=agent, action="acknowledge")
    with time_machine.travel("2026-11-20 10:30:00Z", tick=False):
        incident = services.incident_resolve(
            incident=incident, actor=agent, resolution_code="workaround", resolution_notes="Failed over."
        )
    stored = Incident.objects.get(pk=incident.pk)
    assert stored.acknowledged_at.isoformat() == "2026-11-20T10:00:00+00:00"
    assert stored.resolved_at.isoformat() == "2026-11-20T10:30:00+00:00"
    assert stored.version == 3


def test_update_recomputes_priority_and_records_each_change(agent, manager, incident):
    incident = services.incident_update(incident=incident, actor=agent, impact=1, urgency=1, assignee=manager)
    stored = Incident.objects.get(pk=incident.pk)
    assert stored.priority == Priority.P1 and stored.assignee == manager
    changes = {e.field: (e.old_value, e.new_value) for e in timeline_for(stored).filter(kind="field_change")}
    assert changes["priority"] == ("P3 medium", "P1 critical")
    assert changes["assignee"] == ("", "manager")
    assert set(changes) == {"impact", "urgency", "assignee", "priority"}


def test_update_refuses_status_and_unknown_fields(agent, incident):
    with pytest.raises(InvalidInput) as caught:
        services.incident_update(incident=incident, actor=agent, status="closed", number="X")
    assert set(caught.value.fields) == {"status", "number"}


def test_changing_service_drops_a_ci_of_the_old_service(agent, incident, ci):
    from catalog.tests.factories import ServiceFactory

    incident = services.incident_update(incident=incident, actor=agent, ci=ci)
    other = ServiceFactory()
    incident = services.incident_update(incident=incident, actor=agent, service=other)
    stored = Incident.objects.get(pk=incident.pk)
    assert (stored.service, stored.ci) == (other, None)


def test_update_with_nothing_changed_writes_nothing(agent, incident):
    services.incident_update(incident=incident, actor=agent, title=incident.title)
    stored = Incident.objects.get(pk=incident.pk)
    assert stored.version == 1 and timeline_for(stored).count() == 1


def test_stale_version_is_refused_and_changes_nothing(agent, incident):
    services.incident_update(incident=incident, actor=agent, title="New title")
    with pytest.raises(ConcurrentModification) as caught:
        services.incident_transition(incident=incident, actor=agent, action="acknowledge", expected_version=1)
    assert caught.value.current_version == 2
    assert Incident.objects.get(pk=incident.pk).status == Status.NEW


def test_a_copy_loaded_before_someone_elses_transition_cannot_repeat_it(agent, incident):
    stale_copy = Incident.objects.get(pk=incident.pk)
    services.incident_transition(incident=incident, actor=agent, action="acknowledge")
    with pytest.raises(TransitionNotAllowed) as caught:
        services.incident_transition(incident=stale_copy, actor=agent, action="acknowledge")
    assert caught.value.current_status == "acknowledged"


@pytest.mark.parametrize("state", ["closed", "cancelled"])
def test_closed_and_cancelled_incidents_are_read_only(agent, state):
    incident = incident_in_state(state, reporter=agent)
    with pytest.raises(TransitionNotAllowed):
        services.incident_update(incident=incident, actor=agent, title="Edited")
    with pytest.raises(TransitionNotAllowed):
        services.incident_comment_add(incident=incident, actor=agent, body="late")


def test_comments_are_public_or_internal_and_immutable(agent, viewer, incident):
    services.incident_comment_add(incident=incident, actor=agent, body="Customer informed.")
    note = services.incident_comment_add(
        incident=incident, actor=agent, body="Suspect pool.", visibility="internal"
    )
    from incidents.selectors import incident_timeline

    assert [e.note for e in incident_timeline(incident=incident, viewer=agent).filter(kind="comment")] == [
        "Customer informed.",
        "Suspect pool.",
    ]
    assert [e.note for e in incident_timeline(incident=incident, viewer=viewer).filter(kind="comment")] == [
        "Customer informed."
    ]
    note.note = "rewritten"
    with pytest.raises(ImmutableRecord):
        note.save()
    with pytest.raises(ImmutableRecord):
        note.delete()
    assert TimelineEntry.objects.get(pk=note.pk).note == "Suspect pool."


def test_empty_comment_is_refused(agent, incident):
    with pytest.raises(InvalidInput) as caught:
        services.incident_comment_add(incident=incident, actor=agent, body="   ", visibility="secret")
    assert set(caught.value.fields) == {"body", "visibility"}


def test_full_lifecycle_timeline(agent, incident):
    for action, params in PATH_TO["closed"]:
        incident = services.incident_transition(incident=incident, actor=agent, action=action, **params)
    incident_states = [(e.kind, e.from_state, e.to_state) for e in timeline_for(incident)]
    assert incident_states == [
        ("created", "", "new"),
        ("transition", "new", "acknowledged"),
        ("transition", "acknowledged", "resolved"),
        ("transition", "resolved", "closed"),
    ]
    assert timezone.now() >= Incident.objects.get(pk=incident.pk).closed_at
