"""On hold with a reason and a resume-by time (issue #10 item 5): the service's rules, the API's hold
action, and the sweep that resumes incidents by themselves, once, at their time."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from core.errors import InvalidInput, TransitionNotAllowed
from core.models import TimelineEntry
from core.timeline import timeline_for
from incidents import services
from incidents.models import Incident, Status
from incidents.tasks import resume_due_holds
from incidents.tests.factories import incident_in_state

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def hold(incident, actor, **params):
    return services.incident_transition(incident=incident, actor=actor, action="hold", **params)


@pytest.fixture
def working(agent):
    with time_machine.travel(T0, tick=False):
        return incident_in_state("in_progress", reporter=agent)


def test_hold_needs_a_reason_and_other_needs_a_note(working, agent):
    with pytest.raises(InvalidInput) as caught:
        hold(working, agent)
    assert "Choose why it waits" in caught.value.fields["hold_reason"][0]
    assert "awaiting caller" in caught.value.fields["hold_reason"][0]  # labels, not codes
    with pytest.raises(InvalidInput) as caught:
        hold(working, agent, hold_reason="other", note="  ")
    assert caught.value.fields == {"note": ["Say what the incident waits for."]}
    assert Incident.objects.get(pk=working.pk).status == Status.IN_PROGRESS


def test_hold_records_reason_note_and_resume_time_and_resume_clears_them(working, agent):
    with time_machine.travel(T0 + HOUR, tick=False):
        held = hold(working, agent, hold_reason="awaiting_vendor", note="Case 4711 with the DB vendor.",
                    resume_at=T0 + 3 * HOUR)  # fmt: skip
    stored = Incident.objects.get(pk=held.pk)
    assert (stored.status, stored.hold_reason, stored.hold_note, stored.resume_at) == (
        Status.ON_HOLD, "awaiting_vendor", "Case 4711 with the DB vendor.", T0 + 3 * HOUR,
    )  # fmt: skip
    entry = timeline_for(stored).last()
    assert entry.data == {
        "action": "hold", "hold_reason": "awaiting_vendor", "hold_note": "Case 4711 with the DB vendor.",
        "resume_at": (T0 + 3 * HOUR).isoformat(),
    }  # fmt: skip
    resumed = services.incident_transition(incident=stored, actor=agent, action="resume")
    assert (resumed.hold_reason, resumed.hold_note, resumed.resume_at, resumed.on_hold_at) == (
        "",
        "",
        None,
        None,
    )


@pytest.mark.parametrize("offset", [-HOUR, timedelta(0), timedelta(days=400)])
def test_resume_by_time_must_be_ahead_and_within_bounds(working, agent, offset):
    with time_machine.travel(T0 + HOUR, tick=False), pytest.raises(InvalidInput) as caught:
        hold(working, agent, hold_reason="awaiting_caller", resume_at=T0 + HOUR + offset)
    assert list(caught.value.fields) == ["resume_at"]


def test_the_sweep_resumes_at_the_time_once_with_a_timeline_entry(working, agent):
    with time_machine.travel(T0 + HOUR, tick=False):
        held = hold(working, agent, hold_reason="awaiting_change", resume_at=T0 + 2 * HOUR)
        other = incident_in_state("in_progress", reporter=agent)
        hold(other, agent, hold_reason="awaiting_caller")  # no resume-by time: waits for a person
    with time_machine.travel(T0 + 2 * HOUR - timedelta(seconds=1), tick=False):
        assert resume_due_holds() == 0
    assert Incident.objects.get(pk=held.pk).status == Status.ON_HOLD
    with time_machine.travel(T0 + 2 * HOUR + timedelta(seconds=3), tick=False):
        assert resume_due_holds() == 1
        assert resume_due_holds() == 0  # a second sweep (or a second worker) finds nothing
    stored = Incident.objects.get(pk=held.pk)
    assert (stored.status, stored.resume_at, stored.hold_reason) == (Status.IN_PROGRESS, None, "")
    entry = timeline_for(stored).last()
    assert (entry.kind, entry.actor, entry.from_state, entry.to_state) == (
        TimelineEntry.Kind.TRANSITION, None, Status.ON_HOLD, Status.IN_PROGRESS,
    )  # fmt: skip
    assert entry.note.startswith("Resumed automatically")
    assert Incident.objects.get(pk=other.pk).status == Status.ON_HOLD


def test_a_manual_resume_first_leaves_the_sweep_nothing(working, agent):
    with time_machine.travel(T0 + HOUR, tick=False):
        held = hold(working, agent, hold_reason="awaiting_vendor", resume_at=T0 + 2 * HOUR)
        services.incident_transition(incident=held, actor=agent, action="resume")
    with time_machine.travel(T0 + 3 * HOUR, tick=False):
        assert resume_due_holds() == 0
    assert timeline_for(held).filter(to_state=Status.IN_PROGRESS).count() == 2  # start, manual resume


def test_cancelling_a_held_incident_drops_its_resume_time(working, agent):
    with time_machine.travel(T0 + HOUR, tick=False):
        held = hold(working, agent, hold_reason="awaiting_vendor", resume_at=T0 + 2 * HOUR)
        services.incident_transition(incident=held, actor=agent, action="cancel", note="Duplicate.")
    with time_machine.travel(T0 + 3 * HOUR, tick=False):
        assert resume_due_holds() == 0
    assert Incident.objects.get(pk=held.pk).status == Status.CANCELLED


@pytest.mark.django_db(transaction=True)
def test_the_sweep_skips_a_row_a_person_holds_locked_and_they_win(agent, service):
    """A person resuming by hand while the sweep runs: the sweep skips the locked row; once the person
    commits the incident is in progress and no later sweep resumes it again."""
    with time_machine.travel(T0, tick=False):
        working = incident_in_state("in_progress", reporter=agent, service=service)
        held = hold(working, agent, hold_reason="awaiting_vendor", resume_at=T0 + HOUR)
    locked, release = threading.Event(), threading.Event()

    def person():
        from django.db import transaction

        with transaction.atomic():
            Incident.objects.select_for_update().get(pk=held.pk)
            locked.set()
            release.wait(10)
            services.incident_transition(incident=held, actor=agent, action="resume")
        connection.close()

    thread = threading.Thread(target=person)
    thread.start()
    try:
        assert locked.wait(10)
        with time_machine.travel(T0 + 2 * HOUR, tick=False):
            assert resume_due_holds() == 0  # skipped, not waited for
    finally:
        release.set()
        thread.join(10)
    with time_machine.travel(T0 + 2 * HOUR, tick=False):
        assert resume_due_holds() == 0
    stored = Incident.objects.get(pk=held.pk)
    assert stored.status == Status.IN_PROGRESS
    assert [e.actor_id for e in timeline_for(stored).filter(from_state=Status.ON_HOLD)] == [agent.pk]


def test_resume_by_the_sweep_of_an_incident_not_on_hold_is_refused_to_people(working, agent):
    with pytest.raises(TransitionNotAllowed) as caught:
        services.incident_transition(incident=working, actor=agent, action="resume")
    assert "“In progress”" in caught.value.message


# --- API ---------------------------------------------------------------------------------------


def test_api_hold_takes_reason_and_resume_time(client_for, agent, working):
    client = client_for(agent)
    url = f"/api/v1/incidents/{working.pk}/hold/"
    with time_machine.travel(T0 + HOUR, tick=False):
        missing = client.post(url, {"note": "Waiting."}, format="json")
        assert missing.status_code == 400
        assert "hold_reason" in missing.json()["fields"]
        response = client.post(
            url,
            {
                "hold_reason": "awaiting_vendor",
                "resume_at": (T0 + 5 * HOUR).isoformat(),
                "note": "Case 4711.",
            },
            format="json",
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["hold_reason"], body["hold_note"]) == (
        "on_hold",
        "awaiting_vendor",
        "Case 4711.",
    )
    assert body["resume_at"].startswith("2025-03-03T14:00")
