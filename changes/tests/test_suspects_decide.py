"""Suspected cause, decisions: an agent confirms or dismisses a link once; both records' timelines
say so; a second decision is a 409 naming the state; only agents, managers and change managers decide."""

import threading

import pytest
from django.db import connection

from changes.models import SuspectedCause
from changes.suspects import suspect_confirm, suspect_dismiss, suspects_of_change, suspects_of_incident
from core import roles
from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.models import TimelineEntry

from .suspects_setup import suspected_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(agent, service):
    return suspected_link(reporter=agent, service=service)


def test_confirm_records_who_when_and_why_on_both_timelines(link, agent):
    decided = suspect_confirm(link=link, actor=agent, note="The pool was too small after the resize.")
    assert (decided.status, decided.decided_by, decided.note) == (
        "confirmed",
        agent,
        "The pool was too small after the resize.",
    )
    assert decided.decided_at is not None
    on_incident = TimelineEntry.objects.filter(object_id=link.incident_id, field="suspected_cause").last()
    assert (on_incident.old_value, on_incident.new_value, on_incident.actor) == (
        f"{link.change.number} (suggested)",
        f"{link.change.number} (confirmed)",
        agent,
    )
    on_change = TimelineEntry.objects.filter(object_id=link.change_id, field="suspected_incident").last()
    assert on_change.new_value == f"{link.incident.number} (confirmed)"
    assert on_change.note == "The pool was too small after the resize."


def test_dismiss_needs_a_note(link, agent):
    with pytest.raises(InvalidInput) as refused:
        suspect_dismiss(link=link, actor=agent, note="  ")
    assert "note" in refused.value.fields
    assert SuspectedCause.objects.get(pk=link.pk).status == "suggested"
    assert suspect_dismiss(link=link, actor=agent, note="A disk failed; unrelated.").status == "dismissed"


@pytest.mark.parametrize(
    ("first", "second"), [("confirm", "dismiss"), ("dismiss", "confirm"), ("confirm", "confirm")]
)
def test_a_decided_link_cannot_be_decided_again(link, agent, manager, first, second):
    services = {"confirm": suspect_confirm, "dismiss": suspect_dismiss}
    services[first](link=link, actor=agent, note="First.")
    entries = TimelineEntry.objects.count()
    with pytest.raises(TransitionNotAllowed) as refused:
        services[second](link=link, actor=manager, note="Second.")
    assert refused.value.status == 409
    assert refused.value.current_status == {"confirm": "confirmed", "dismiss": "dismissed"}[first]
    assert refused.value.allowed_transitions == []
    assert "already" in refused.value.message
    assert TimelineEntry.objects.count() == entries
    assert SuspectedCause.objects.get(pk=link.pk).decided_by == agent


@pytest.mark.parametrize(
    ("role", "may"),
    [
        (roles.AGENT, True),
        (roles.MANAGER, True),
        (roles.CHANGE_MANAGER, True),
        (roles.VIEWER, False),
        (roles.CAB_TECH_LEAD, False),
    ],
)
def test_who_may_decide(link, make_user, role, may):
    actor = make_user(role, username=f"u-{role}")
    if may:
        assert suspect_confirm(link=link, actor=actor).status == "confirmed"
    else:
        with pytest.raises(NotPermitted):
            suspect_confirm(link=link, actor=actor)
        assert SuspectedCause.objects.get(pk=link.pk).status == "suggested"


@pytest.mark.django_db(transaction=True)
def test_two_people_deciding_at_once_one_wins(make_user, service):
    agent = make_user(roles.AGENT, username="agent")
    link = suspected_link(reporter=agent, service=service)
    people = [make_user(roles.AGENT, username=f"agent{n}") for n in range(2)]
    outcomes, barrier = [], threading.Barrier(2)

    def decide(person, action):
        try:
            barrier.wait()
            service_ = suspect_confirm if action == "confirm" else suspect_dismiss
            outcomes.append(service_(link=link.pk, actor=person, note="Mine.").status)
        except TransitionNotAllowed:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(people[0], "confirm")),
        threading.Thread(target=decide, args=(people[1], "dismiss")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) in (["confirmed", "refused"], ["dismissed", "refused"])
    final = SuspectedCause.objects.get(pk=link.pk)
    assert final.status == next(outcome for outcome in outcomes if outcome != "refused")
    assert TimelineEntry.objects.filter(object_id=link.incident_id, field="suspected_cause").count() == 2


def test_selectors_list_each_side(link, agent, service):
    assert list(suspects_of_change(link.change)) == [link]
    assert list(suspects_of_incident(link.incident)) == [link]
