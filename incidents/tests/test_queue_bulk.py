"""Bulk actions on the queue's selected rows: each row through the services, refusals reported by
number with the reason, the rest done; bounded; bad input answered 400 on the page."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from core.models import TimelineEntry
from incidents.bulk import MAX_ROWS
from incidents.models import Incident, Status
from incidents.tests.factories import incident_in_state
from incidents.tests.ui_helpers import QUEUE, file, reload, rows

pytestmark = pytest.mark.django_db

BULK = reverse("incidents:bulk")


def key(incident) -> str:
    incident = reload(incident)
    return f"{incident.pk}:{incident.version}"


def post(client, data) -> list[str]:
    """The messages the queue shows after the action (its redirect followed, so they are consumed)."""
    response = client.post(BULK, data)
    assert response.status_code == 302
    page = client.get(response["Location"])
    return [str(message) for message in page.context["messages"]]


def test_acknowledge_does_the_new_ones_and_reports_the_others_by_number(
    agent_client, agent, manager, service, incident_factory
):
    fresh = file(incident_factory, service, agent)
    already = incident_in_state("acknowledged", service=service, reporter=agent)
    seen = file(incident_factory, service, agent)
    stale = key(seen)  # the page showed this version; someone else then edits the incident
    from incidents import services

    services.incident_update(incident=seen, actor=manager, title="Renamed meanwhile")

    response = agent_client.post(
        BULK,
        {
            "action": "acknowledge",
            "rows": [key(fresh), key(already), stale],
            "next": "is_open=true&sort=-age",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?is_open=true&sort=-age"
    page = agent_client.get(response["Location"])
    assert [str(message) for message in page.context["messages"]] == [
        f"1 incident acknowledged: {fresh.number}.",
        f"{already.number} not acknowledged: It is Acknowledged, so it cannot be acknowledged.",
        f"{seen.number} not acknowledged: Someone else changed it after this page was loaded (it is now New); "
        "reload and try again.",
    ]
    assert reload(fresh).status == Status.ACKNOWLEDGED
    assert reload(seen).status == Status.NEW
    entry = TimelineEntry.objects.filter(object_id=fresh.pk, kind=TimelineEntry.Kind.TRANSITION).get()
    assert (entry.actor, entry.from_state, entry.to_state) == (agent, "new", "acknowledged")


def test_two_people_acknowledging_the_same_rows_do_not_both_win(
    client, agent, manager, service, incident_factory
):
    incident = file(incident_factory, service, agent)
    shown = key(incident)
    results = []
    for user in (agent, manager):
        client.force_login(user)
        results.append(post(client, {"action": "acknowledge", "rows": [shown]}))
    assert results[0] == [f"1 incident acknowledged: {incident.number}."]
    assert results[1][0].startswith(f"{incident.number} not acknowledged: Someone else changed it")
    assert (
        TimelineEntry.objects.filter(object_id=incident.pk, kind=TimelineEntry.Kind.TRANSITION).count() == 1
    )


def test_assign_to_me_to_a_person_and_to_a_group(agent_client, agent, manager, service, incident_factory):
    one, two = (file(incident_factory, service, agent) for _ in range(2))
    closed = incident_in_state("closed", service=service, reporter=agent)

    assert post(agent_client, {"action": "assign_me", "rows": [key(one), key(two), key(closed)]}) == [
        f"2 incidents assigned to you: {one.number}, {two.number}.",
        f"{closed.number} not assigned to you: It is Closed, so it cannot be assigned to you.",
    ]
    assert reload(one).assignee == reload(two).assignee == agent

    assert post(agent_client, {"action": "assign_person", "assignee": manager.pk, "rows": [key(one)]}) == [
        f"1 incident assigned to manager: {one.number}."
    ]
    assert reload(one).assignee == manager
    changes = TimelineEntry.objects.filter(
        object_id=one.pk, kind=TimelineEntry.Kind.FIELD_CHANGE, field="assignee"
    )
    assert changes.count() == 2

    team = Group.objects.create(name="Database team")
    assert post(agent_client, {"action": "assign_group", "group": team.pk, "rows": [key(one), key(two)]}) == [
        f"2 incidents assigned to Database team: {one.number}, {two.number}."
    ]
    assert {i.assignment_group for i in Incident.objects.filter(pk__in=[one.pk, two.pk])} == {team}


def test_comment_on_many_keeps_the_visibility_and_refuses_closed_ones(
    agent_client, agent, service, incident_factory
):
    one = file(incident_factory, service, agent)
    closed = incident_in_state("closed", service=service, reporter=agent)
    data = {"action": "comment", "body": "  Vendor ticket 4711 opened.  ", "visibility": "internal",
            "rows": [key(one), key(closed)]}  # fmt: skip
    assert post(agent_client, data) == [
        f"1 incident commented on: {one.number}.",
        f"{closed.number} not commented on: It is Closed, so it cannot be commented on.",
    ]
    entry = TimelineEntry.objects.get(object_id=one.pk, kind=TimelineEntry.Kind.COMMENT)
    assert (entry.note, entry.visibility) == ("Vendor ticket 4711 opened.", "internal")


def test_a_viewer_sees_no_bulk_bar_and_every_row_is_refused(viewer_client, agent, service, incident_factory):
    incident = file(incident_factory, service, agent)
    html = viewer_client.get(QUEUE).content.decode()
    assert 'id="bulk-form"' not in html and 'name="rows"' not in html
    assert post(viewer_client, {"action": "acknowledge", "rows": [key(incident)]}) == [
        f"{incident.number} not acknowledged: Only agents and managers may file and work incidents."
    ]
    assert reload(incident).status == Status.NEW


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"action": "acknowledge"}, "rows", "Select at least one incident."),
        ({"action": "acknowledge", "rows": ["12:x"]}, "rows", "'12:x' is not an incident of this page."),
        ({"action": "explode", "rows": ["1:1"]}, "action", "Select a valid choice."),
        ({"action": "assign_person", "rows": ["1:1"]}, "assignee", "Choose the person to assign them to."),
        ({"action": "assign_group", "rows": ["1:1"]}, "group", "Choose the group to assign them to."),
        ({"action": "comment", "body": "   ", "rows": ["1:1"]}, "body", "Write the comment to add."),
        ({"action": "acknowledge", "rows": [f"{n}:1" for n in range(MAX_ROWS + 1)]}, "rows", "at most 100"),
    ],
)
def test_bad_input_is_a_400_on_the_queue_with_the_message(agent_client, incident, data, field, message):
    response = agent_client.post(BULK, {**data, "next": "is_open=true&sort=-age"})
    assert response.status_code == 400
    html = response.content.decode()
    assert message.replace("'", "&#x27;") in html
    assert rows(response) == [incident.number]  # the queue as it was, filters and sort kept
    assert 'aria-sort="descending"' in html
    assert reload(incident).status == Status.NEW


def test_a_selection_is_kept_when_the_input_is_refused(agent_client, incident):
    response = agent_client.post(BULK, {"action": "assign_person", "rows": [key(incident)]})
    assert response.status_code == 400
    assert f'value="{key(incident)}" form="bulk-form" aria-label="Select {incident.number}" checked' in (
        response.content.decode()
    )


def test_a_deleted_row_is_reported_and_the_others_done(agent_client, agent, service, incident_factory):
    incident = file(incident_factory, service, agent)
    assert post(agent_client, {"action": "acknowledge", "rows": [key(incident), "999999:1"]}) == [
        f"1 incident acknowledged: {incident.number}.",
        "#999999 not acknowledged: It no longer exists.",
    ]
