"""Suspected cause, detection: filing an incident links it to the changes implemented on its service,
its CI, or a CI it depends on (through the CMDB graph) within the window before it was opened."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.tests.factories import ConfigurationItemFactory, ServiceFactory
from changes.handlers import link_suspected_changes
from changes.models import Status, SuspectedCause
from changes.suspects import suspects_detect
from core.events import dispatch
from core.models import Event, HandlerRun, TimelineEntry
from notifications.models import Notification

from .suspects_setup import file_incident, implemented_change

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 3, 14, 0, tzinfo=UTC)  # the incident is opened at T0


def opened_at_t0(**kwargs):
    with time_machine.travel(T0, tick=False):
        return file_incident(**kwargs)


def links(incident):
    return list(SuspectedCause.objects.filter(incident=incident).order_by("change_id"))


@pytest.mark.parametrize(
    ("before", "linked"),
    [
        (timedelta(hours=3, minutes=59), True),
        (timedelta(hours=4), True),  # the window's edge is inside
        (timedelta(hours=4, minutes=1), False),
        (timedelta(seconds=0), True),
        (-timedelta(minutes=1), False),  # implemented after the incident was opened
    ],
)
def test_window_edges(before, linked, agent, service):
    implemented_change(at=T0 - before, services=[service])
    incident = opened_at_t0(reporter=agent, service=service)
    assert bool(links(incident)) is linked


def test_window_follows_the_setting(agent, service, settings):
    settings.OPSDESK_SUSPECT_WINDOW_HOURS = 1
    implemented_change(at=T0 - timedelta(minutes=61), services=[service])
    assert links(opened_at_t0(reporter=agent, service=service)) == []


def test_service_match(agent, service):
    change = implemented_change(at=T0 - timedelta(hours=1), services=[service])
    implemented_change(at=T0 - timedelta(hours=1), services=[ServiceFactory()])  # elsewhere: no link
    [link] = links(opened_at_t0(reporter=agent, service=service))
    assert (link.change, link.reason, link.ci, link.status) == (change, "same_service", None, "suggested")


def test_a_change_on_a_ci_of_the_service_matches_the_service(agent, service, ci):
    change = implemented_change(at=T0 - timedelta(hours=1), cis=[ci])
    [link] = links(opened_at_t0(reporter=agent, service=service))  # the incident names no CI
    assert (link.change, link.reason, link.ci) == (change, "same_service", ci)


def test_ci_match(agent, service, ci):
    other_service = ServiceFactory()
    change = implemented_change(at=T0 - timedelta(hours=2), services=[other_service], cis=[ci])
    [link] = links(opened_at_t0(reporter=agent, service=service, ci=ci))
    assert (link.change, link.reason, link.ci) == (change, "same_ci", ci)


def test_dependent_ci_match_through_two_hops(agent):
    """web → app → db (web depends on app, app on db): changes on app and db are suspects for an
    incident on web; an incident on db suspects only the change on db itself."""
    shop, middleware, data = (
        ServiceFactory(name="Shop"),
        ServiceFactory(name="Middleware"),
        ServiceFactory(name="Data"),
    )
    db = ConfigurationItemFactory(name="db-1", service=data)
    app = ConfigurationItemFactory(name="app-1", service=middleware)
    web = ConfigurationItemFactory(name="web-1", service=shop)
    web.depends_on.add(app)
    app.depends_on.add(db)
    on_db = implemented_change(at=T0 - timedelta(hours=3), cis=[db])
    on_app = implemented_change(at=T0 - timedelta(hours=2), cis=[app])
    on_web = implemented_change(at=T0 - timedelta(hours=1), cis=[web])

    on_web_incident = opened_at_t0(reporter=agent, service=shop, ci=web)
    assert {(link.change, link.reason, link.ci) for link in links(on_web_incident)} == {
        (on_db, "dependent_ci", db),
        (on_app, "dependent_ci", app),
        (on_web, "same_ci", web),
    }
    on_db_incident = opened_at_t0(reporter=agent, service=data, ci=db, title="DB slow")
    assert [(link.change, link.reason) for link in links(on_db_incident)] == [(on_db, "same_ci")]


def test_the_most_specific_reason_wins(agent, service, ci):
    change = implemented_change(at=T0 - timedelta(hours=1), services=[service], cis=[ci])
    [link] = links(opened_at_t0(reporter=agent, service=service, ci=ci))
    assert (link.change, link.reason) == (change, "same_ci")


@pytest.mark.parametrize(
    ("status", "linked"),
    [
        (Status.IMPLEMENTING, False),
        (Status.IMPLEMENTED, True),
        (Status.IN_REVIEW, True),
        (Status.CLOSED, True),
    ],
)
def test_only_implemented_changes(status, linked, agent, service):
    implemented_change(at=T0 - timedelta(hours=1), services=[service], status=status)
    assert bool(links(opened_at_t0(reporter=agent, service=service))) is linked


def test_failed_changes_are_suspects_too(agent, service):
    implemented_change(at=T0 - timedelta(hours=1), services=[service], outcome="rolled_back")
    assert len(links(opened_at_t0(reporter=agent, service=service))) == 1


def test_timeline_on_both_records_and_the_change_people_are_told(agent, service, ci):
    change = implemented_change(at=T0 - timedelta(hours=2, minutes=5), cis=[ci], title="Resize pool")
    incident = opened_at_t0(reporter=agent, service=service, ci=ci)
    on_incident = TimelineEntry.objects.get(object_id=incident.pk, field="suspected_cause")
    assert on_incident.new_value == change.number
    assert on_incident.note == (
        f"Possibly caused by {change.number} Resize pool: implemented 2 h 05 min before, "
        "on the same configuration item pay-db-1."
    )
    on_change = TimelineEntry.objects.get(object_id=change.pk, field="suspected_incident")
    assert on_change.new_value == incident.number
    assert incident.number in on_change.note and "2 h 05 min after implementation" in on_change.note
    event = Event.objects.get(type="change.suspected_incident")
    assert event.payload["suspected_incident"]["number"] == incident.number
    assert event.payload["reason"] == "same_ci" and event.payload["ci"] == "pay-db-1"
    told = Notification.objects.filter(event_type="change.suspected_incident")
    assert set(told.values_list("recipient", flat=True)) == {change.requester_id, change.implementer_id}
    assert told.first().title == f"{change.number} may have caused {incident.number}"


def test_idempotent_the_handler_run_twice_creates_one_link(agent, service):
    change = implemented_change(at=T0 - timedelta(hours=1), services=[service])
    incident = opened_at_t0(reporter=agent, service=service)
    created = Event.objects.get(type="incident.created", object_id=incident.pk)
    assert HandlerRun.objects.get(event=created, handler="changes.suspected_cause").outcome == "done"

    link_suspected_changes([created])  # a second run of the handler itself
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        dispatch([created])  # and a second dispatch (the dispatcher skips what ran)
        assert suspects_detect(incident_ids=[incident.pk]) == []

    assert SuspectedCause.objects.filter(change=change, incident=incident).count() == 1
    assert TimelineEntry.objects.filter(object_id=incident.pk, field="suspected_cause").count() == 1
    assert TimelineEntry.objects.filter(object_id=change.pk, field="suspected_incident").count() == 1
    assert Event.objects.filter(type="change.suspected_incident").count() == 1
    assert HandlerRun.objects.get(event=created, handler="changes.suspected_cause").attempts == 1


def test_a_decided_link_is_left_alone_by_a_rerun(agent, service):
    implemented_change(at=T0 - timedelta(hours=1), services=[service])
    incident = opened_at_t0(reporter=agent, service=service)
    SuspectedCause.objects.filter(incident=incident).update(status="dismissed", decided_at=T0, note="No.")
    suspects_detect(incident_ids=[incident.pk])
    assert [link.status for link in links(incident)] == ["dismissed"]


def test_detection_queries_do_not_grow_with_the_changes(agent, service, ci):
    """The candidates, the graph walk, one insert, the timeline and the events: the same number of
    queries for one suspected change as for seven."""
    counts = []
    for n in (1, 6):
        for _ in range(n):
            implemented_change(at=T0 - timedelta(hours=1), services=[service], cis=[ci])
        incident = opened_at_t0(reporter=agent, service=service, ci=ci)
        expected = SuspectedCause.objects.filter(incident=incident).count()
        SuspectedCause.objects.filter(incident=incident).delete()
        with CaptureQueriesContext(connection) as captured:
            assert len(suspects_detect(incident_ids=[incident.pk])) == expected
        counts.append(len(captured))
    assert expected == 7
    assert counts[0] == counts[1]
