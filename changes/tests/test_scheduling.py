"""Scheduling: collisions (same CI, connected CIs through the CMDB graph, same implementer), freeze
windows, emergency overrides and acknowledged conflicts."""

from datetime import timedelta

import pytest
import time_machine

from catalog.tests.factories import ConfigurationItemFactory, ServiceFactory
from changes.freeze import freeze_window_create
from changes.models import ChangeConflict, ChangeType, Status
from changes.scheduling import change_conflicts, change_schedule
from core import roles
from core.errors import Conflict, InvalidInput, NotPermitted, TransitionNotAllowed
from core.models import Event, TimelineEntry

from .scheduling_helpers import at, make_change

pytestmark = pytest.mark.django_db


@pytest.fixture
def chgmgr(make_user):
    return make_user(roles.CHANGE_MANAGER, username="chgmgr")


@pytest.fixture
def graph(db):
    """app → db → storage (app depends on db, db on storage); `other` stands alone."""
    service = ServiceFactory(name="Payments", slug="payments")
    storage = ConfigurationItemFactory(name="san-1", service=service)
    database = ConfigurationItemFactory(name="pay-db", service=service)
    app = ConfigurationItemFactory(name="pay-app", service=service)
    other = ConfigurationItemFactory(name="mail-1")
    database.depends_on.add(storage)
    app.depends_on.add(database)
    return {"storage": storage, "db": database, "app": app, "other": other, "service": service}


def kinds(conflicts):
    return sorted((c.number, c.kind, tuple(ci.name for ci in c.cis)) for c in conflicts)


# --- collision detection --------------------------------------------------------------------------


def test_same_ci_in_overlapping_window_collides(agent, graph):
    mine = make_change(requester=agent, cis=[graph["db"]], start=at(1, 10))
    theirs = make_change(requester=agent, cis=[graph["db"], graph["other"]], start=at(1, 11))
    assert kinds(change_conflicts(mine)) == [(theirs.number, "ci", ("pay-db",))]


@pytest.mark.parametrize("touched", ["app", "storage"])
def test_connected_ci_collides_in_either_direction_transitively(agent, graph, touched):
    # storage is two hops below app; app is two hops above storage.
    mine = make_change(requester=agent, cis=[graph["app" if touched == "storage" else "storage"]])
    theirs = make_change(requester=agent, cis=[graph[touched]])
    [conflict] = change_conflicts(mine)
    assert (conflict.number, conflict.kind, [ci.name for ci in conflict.cis]) == (
        theirs.number,
        "dependency",
        [graph[touched].name],
    )


def test_same_implementer_collides(agent, make_user, graph):
    implementer = make_user(roles.AGENT, username="impl")
    mine = make_change(requester=agent, implementer=implementer, cis=[graph["other"]])
    theirs = make_change(requester=agent, implementer=implementer, cis=[graph["app"]])
    make_change(requester=agent, implementer=agent, cis=[graph["app"]])  # someone else, unrelated CI
    assert kinds(change_conflicts(mine)) == [(theirs.number, "implementer", ())]


def test_windows_are_half_open_and_finished_changes_do_not_collide(agent, graph):
    mine = make_change(requester=agent, cis=[graph["db"]], start=at(1, 10), hours=2)
    make_change(requester=agent, cis=[graph["db"]], start=at(1, 12))  # starts when mine ends
    make_change(requester=agent, cis=[graph["db"]], start=at(1, 8))  # ends when mine starts
    cancelled = make_change(requester=agent, cis=[graph["db"]], start=at(1, 10))
    type(cancelled).objects.filter(pk=cancelled.pk).update(status=Status.CANCELLED)
    draft = make_change(requester=agent, cis=[graph["db"]], approved=False)
    assert draft.status == Status.DRAFT
    assert change_conflicts(mine) == []


def test_proposed_window_and_one_conflict_per_kind(agent, graph):
    mine = make_change(requester=agent, implementer=agent, cis=[graph["db"]], start=at(1))
    theirs = make_change(requester=agent, implementer=agent, cis=[graph["db"], graph["app"]], start=at(3))
    assert change_conflicts(mine) == []
    found = kinds(change_conflicts(mine, window=(at(3), at(3) + timedelta(hours=1))))
    assert found == [
        (theirs.number, "ci", ("pay-db",)),
        (theirs.number, "dependency", ("pay-app",)),
        (theirs.number, "implementer", ()),
    ]


def test_conflict_check_query_count_does_not_grow(agent, graph, django_assert_max_num_queries):
    mine = make_change(requester=agent, implementer=agent, cis=[graph["db"]])
    for _ in range(3):
        make_change(requester=agent, implementer=agent, cis=[graph["db"], graph["app"]])
    with django_assert_max_num_queries(5):
        few = change_conflicts(mine)
    for _ in range(10):
        make_change(requester=agent, implementer=agent, cis=[graph["db"], graph["app"]])
    with django_assert_max_num_queries(5):
        many = change_conflicts(mine)
    assert len(few) == 9 and len(many) == 39


# --- scheduling -----------------------------------------------------------------------------------


def test_schedule_moves_to_scheduled_with_window_timeline_and_event(agent, graph):
    change = make_change(requester=agent, cis=[graph["db"]])
    start, end = at(2, 9), at(2, 11)
    scheduled = change_schedule(change=change, actor=agent, planned_start=start, planned_end=end)
    assert scheduled.status == Status.SCHEDULED
    assert (scheduled.planned_start, scheduled.planned_end) == (start, end)
    entry = TimelineEntry.objects.filter(object_id=change.pk, kind="transition").last()
    assert (entry.from_state, entry.to_state) == ("approved", "scheduled")
    assert entry.data["planned_start"] == start.isoformat()
    assert Event.objects.filter(type="change.scheduled").count() == 1


def test_reschedule_a_scheduled_change(agent, graph):
    change = change_schedule(change=make_change(requester=agent), actor=agent)
    moved = change_schedule(change=change, actor=agent, planned_start=at(5), planned_end=at(5, 12))
    assert moved.status == Status.SCHEDULED and moved.planned_start == at(5)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (at(1, 12), at(1, 10), "planned_end"),
        (at(-1), at(-1, 12), "planned_start"),
    ],
)
def test_bad_window_is_400(agent, start, end, field):
    change = make_change(requester=agent)
    with pytest.raises(InvalidInput) as refused:
        change_schedule(change=change, actor=agent, planned_start=start, planned_end=end)
    assert field in refused.value.fields


def test_window_is_required(agent):
    change = make_change(requester=agent, approved=False)
    type(change).objects.filter(pk=change.pk).update(
        status=Status.APPROVED, planned_start=None, planned_end=None
    )
    with pytest.raises(InvalidInput) as refused:
        change_schedule(change=change, actor=agent)
    assert {"planned_start", "planned_end"} <= set(refused.value.fields)


def test_only_approved_or_scheduled_changes_schedule(agent):
    change = make_change(requester=agent, approved=False)
    with pytest.raises(TransitionNotAllowed) as refused:
        change_schedule(change=change, actor=agent)
    assert refused.value.current_status == "draft"


def test_viewer_cannot_schedule(agent, viewer):
    with pytest.raises(NotPermitted):
        change_schedule(change=make_change(requester=agent), actor=viewer)


def test_unacknowledged_conflicts_refuse_scheduling_naming_each(agent, graph):
    mine = make_change(requester=agent, cis=[graph["app"]])
    same = make_change(requester=agent, cis=[graph["app"]])
    connected = make_change(requester=agent, cis=[graph["storage"]])
    with pytest.raises(Conflict) as refused:
        change_schedule(change=mine, actor=agent)
    message = refused.value.message
    assert refused.value.status == 409 and refused.value.code == "schedule_conflict"
    assert f"{same.number} (same configuration item: pay-app)" in message
    assert f"{connected.number} (connected configuration item: san-1)" in message
    mine.refresh_from_db()
    assert mine.status == Status.APPROVED


def test_acknowledged_conflicts_allow_scheduling_and_are_kept(agent, graph):
    mine = make_change(requester=agent, cis=[graph["app"]])
    same = make_change(requester=agent, cis=[graph["app"]])
    connected = make_change(requester=agent, cis=[graph["storage"]])
    with pytest.raises(Conflict) as refused:  # one acknowledged, one not
        change_schedule(
            change=mine, actor=agent, acknowledge=[{"change": same.pk, "kind": "ci", "note": "Same team"}]
        )
    assert same.number not in refused.value.message and connected.number in refused.value.message
    assert not ChangeConflict.objects.exists()  # refused: nothing recorded

    scheduled = change_schedule(
        change=mine,
        actor=agent,
        acknowledge=[
            {"change": same.pk, "kind": "ci", "note": "Same team, one window"},
            {"change": connected.pk, "kind": "dependency", "note": "Storage change is read-only"},
        ],
    )
    assert scheduled.status == Status.SCHEDULED
    acks = {(a.other_id, a.kind): a.note for a in ChangeConflict.objects.filter(change=mine)}
    assert acks == {
        (same.pk, "ci"): "Same team, one window",
        (connected.pk, "dependency"): "Storage change is read-only",
    }
    shown = change_conflicts(scheduled)
    assert all(c.acknowledgement is not None for c in shown) and len(shown) == 2
    # Acknowledged once, they do not need acknowledging again to reschedule within the window.
    change_schedule(
        change=scheduled,
        actor=agent,
        planned_start=at(
            1,
            10,
        ),
        planned_end=at(1, 11),
    )


def test_acknowledgement_needs_a_note(agent, graph):
    mine = make_change(requester=agent, cis=[graph["app"]])
    same = make_change(requester=agent, cis=[graph["app"]])
    with pytest.raises(InvalidInput) as refused:
        change_schedule(
            change=mine, actor=agent, acknowledge=[{"change": same.pk, "kind": "ci", "note": " "}]
        )
    assert "acknowledge" in refused.value.fields


# --- freeze windows -------------------------------------------------------------------------------


@pytest.fixture
def freeze(manager):
    def make(start, end, services=(), name="Year-end freeze"):
        return freeze_window_create(actor=manager, name=name, starts_at=start, ends_at=end, services=services)

    return make


@pytest.mark.parametrize("type_", [ChangeType.NORMAL, ChangeType.STANDARD])
def test_normal_and_standard_changes_cannot_go_into_a_global_freeze(agent, freeze, type_):
    freeze(at(1, 0), at(2, 0))
    change = make_change(requester=agent, type=type_, start=at(1, 10))
    with pytest.raises(Conflict) as refused:
        change_schedule(change=change, actor=agent)
    assert refused.value.code == "freeze_window" and "'Year-end freeze'" in refused.value.message
    # After the freeze it can.
    assert change_schedule(
        change=change, actor=agent, planned_start=at(2, 0), planned_end=at(2, 2)
    ).status == (Status.SCHEDULED)


def test_service_freeze_applies_through_named_services_and_cis(agent, freeze, graph):
    freeze(at(1, 0), at(2, 0), services=[graph["service"]], name="Payments freeze")
    unrelated = make_change(requester=agent, cis=[graph["other"]])
    assert change_schedule(change=unrelated, actor=agent).status == Status.SCHEDULED
    by_service = make_change(requester=agent, services=[graph["service"]], start=at(1, 14))
    by_ci = make_change(requester=agent, cis=[graph["db"]], start=at(1, 18))
    for change in (by_service, by_ci):
        with pytest.raises(Conflict, match="Payments freeze"):
            change_schedule(change=change, actor=agent)


def test_inactive_freeze_window_does_not_block(agent, freeze, manager):
    from changes.freeze import freeze_window_update

    window = freeze(at(1, 0), at(2, 0))
    freeze_window_update(window=window, actor=manager, active=False)
    assert change_schedule(change=make_change(requester=agent), actor=agent).status == Status.SCHEDULED


def test_emergency_change_into_freeze_needs_a_reason(chgmgr, agent, freeze):
    freeze(at(1, 0), at(2, 0))
    change = make_change(requester=agent, type=ChangeType.EMERGENCY)
    with pytest.raises(InvalidInput) as refused:
        change_schedule(change=change, actor=chgmgr)
    assert "override_reason" in refused.value.fields


def test_emergency_override_needs_the_override_permission(agent, freeze):
    freeze(at(1, 0), at(2, 0))
    change = make_change(requester=agent, type=ChangeType.EMERGENCY)
    with pytest.raises(NotPermitted):
        change_schedule(change=change, actor=agent, override_reason="Card data leak")


def test_emergency_override_is_recorded_on_change_and_timeline(chgmgr, agent, freeze):
    window = freeze(at(1, 0), at(2, 0))
    change = make_change(requester=agent, type=ChangeType.EMERGENCY)
    scheduled = change_schedule(change=change, actor=chgmgr, override_reason="Card data leak")
    assert scheduled.status == Status.SCHEDULED
    assert scheduled.freeze_override_reason == "Card data leak"
    entry = TimelineEntry.objects.filter(object_id=change.pk, kind="transition").last()
    assert entry.note == "Card data leak" and entry.actor == chgmgr
    assert entry.data["freeze_windows"] == [{"id": window.pk, "name": "Year-end freeze"}]
    assert entry.data["override_reason"] == "Card data leak"


def test_override_reason_outside_a_freeze_is_not_recorded(chgmgr, agent):
    change = make_change(requester=agent, type=ChangeType.EMERGENCY)
    assert (
        change_schedule(change=change, actor=chgmgr, override_reason="Just in case").freeze_override_reason
        == ""
    )


def test_past_start_refused_at_the_time_of_scheduling(agent):
    change = make_change(requester=agent, start=at(1, 10))
    with time_machine.travel(at(1, 11)), pytest.raises(InvalidInput):
        change_schedule(change=change, actor=agent)
