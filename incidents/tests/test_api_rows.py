"""The incident API's rows (core.api.serializers.PlainRowsMixin) read, as JSON, exactly as what DRF's
generic `to_representation` gives, for incidents in every shape: open and closed, with and without CI,
assignee, escalation, running, paused and stopped clocks."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from rest_framework import serializers

from core.api.renderers import JSONRenderer
from incidents import selectors, services
from incidents.api.serializers import IncidentSerializer
from incidents.models import Incident, Level
from incidents.tests.factories import IncidentFactory, incident_in_state

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def incidents(agent, manager, service, ci):
    with time_machine.travel(T0, tick=False):
        p1 = IncidentFactory(
            reporter=agent, service=service, ci=ci, assignee=agent, impact=Level.HIGH, urgency=Level.HIGH
        )
        services.incident_escalate(incident=p1, actor=manager, note="Now.")
        made = [p1, IncidentFactory(reporter=agent, service=service, description="Line one\nline two")]
        made += [
            incident_in_state(state, reporter=agent, service=service)
            for state in ("on_hold", "closed", "cancelled")
        ]
    return made


def generic(serializer, row) -> dict:
    """DRF's own output for the row, finished as the serializer finishes its fast one."""
    return serializer.finish(serializers.ModelSerializer.to_representation(serializer, row), row)


def as_json(data) -> bytes:
    """What a client reads: the API's JSON (the fast rows leave UTC datetimes to the renderer)."""
    return JSONRenderer().render(data)


def test_rows_are_what_drf_would_write(incidents):
    now = T0 + timedelta(hours=3)
    rows = list(selectors.incident_rows().order_by("id"))
    assert len(rows) == len(incidents)
    serializer = IncidentSerializer(context={"now": now})
    for row in rows:
        fast = serializer.to_representation(row)
        assert as_json(fast) == as_json(generic(serializer, row))
        assert list(fast) == list(IncidentSerializer().fields)
    escalated = serializer.to_representation(rows[0])
    assert escalated["escalation_level"] == 1 and escalated["ci"]["name"] == "pay-db-1"
    assert [clock["state"] for clock in escalated["sla"]] == ["breached", "breached"]


def test_the_api_list_and_detail_serve_those_rows(client_for, agent, incidents):
    api = client_for(agent)
    listed = api.get("/api/v1/incidents/", {"ordering": "id"}).json()["results"]
    detail = api.get(f"/api/v1/incidents/{incidents[0].pk}/").json()
    rows = {row.pk: row for row in selectors.incident_rows()}
    serializer = IncidentSerializer(context={"now": datetime.now(UTC)})
    for item in [*listed, detail]:
        expected = generic(serializer, rows[item["id"]])
        for key in ("sla",):  # remaining moves with the clock between the two reads
            for clock in [*item[key], *expected[key]]:
                clock.pop("remaining")
        assert item == expected


def test_a_page_reads_each_related_model_once_whatever_its_size(
    agent, manager, service, ci, django_assert_num_queries
):
    """Users are read once for assignee and reporter; a relation no row has costs nothing."""
    for _ in range(3):
        IncidentFactory(reporter=agent, service=service, assignee=manager)
    with django_assert_num_queries(5):  # the page, its service, its users, its escalations, its clocks
        page = list(selectors.incident_rows().order_by("-id")[:50])
    assert {(row.assignee.username, row.reporter.username, row.service.slug) for row in page} == {
        ("manager", "agent", "payments")
    }
    assert all(row.ci is None and len(row.sla_clock_list) == 2 for row in page)
    with django_assert_num_queries(0):
        assert [row.ci_id for row in page] == [None] * 3
    assert not list(selectors.incident_rows().filter(pk=0))  # nothing fetched, nothing attached


@pytest.mark.parametrize("impact", [Level.HIGH, Level.LOW])  # with and without an escalation policy
def test_create_answers_what_a_read_gives(client_for, agent, service, ci, impact):
    """The create response is built from the incident the service returned (no re-read): it must be
    exactly what reading the incident gives."""
    api = client_for(agent)
    payload = {"title": "Disk full", "service": service.pk, "ci": ci.pk, "assignee": agent.username}
    with time_machine.travel(T0, tick=False):
        created = api.post("/api/v1/incidents/", {**payload, "impact": impact, "urgency": impact})
        assert created.status_code == 201
        read = api.get(f"/api/v1/incidents/{created.json()['id']}/")
    assert created.json() == read.json() and created["ETag"] == read["ETag"]


def test_attached_records_are_the_orms(incidents):
    """What core.api.rows reads with its own SQL is what the ORM reads."""
    from sla.models import SlaClock

    annotated = {row.pk: row for row in selectors.incident_list()}
    for row in selectors.incident_rows():
        expected_escalation = (annotated[row.pk].escalation_level, annotated[row.pk].next_escalation_at)
        assert (row.escalation_level, row.next_escalation_at) == expected_escalation
        clocks = SlaClock.objects.filter(object_id=row.pk).order_by("-target")
        expected = [[getattr(c, f) for f in selectors.ROW_CLOCK_COLUMNS] for c in clocks]
        assert [[getattr(c, f) for f in selectors.ROW_CLOCK_COLUMNS] for c in row.sla_clock_list] == expected
        stored = Incident.objects.select_related(
            "service", "ci", "assignment_group", "assignee", "reporter"
        ).get(pk=row.pk)
        for name, columns in selectors.ROW_RELATED_COLUMNS.items():
            mine, theirs = getattr(row, name), getattr(stored, name)
            assert (mine and [mine.pk, *[getattr(mine, c) for c in columns]]) == (
                theirs and [theirs.pk, *[getattr(theirs, c) for c in columns]]
            )


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "America/St_Johns"])
def test_rows_are_drf_s_in_any_active_time_zone(incidents, zone):
    """The API answers in UTC; serializers used where a zone is active (pages, exports) follow it."""
    rows = list(selectors.incident_rows().order_by("id"))
    with timezone.override(ZoneInfo(zone)):
        serializer = IncidentSerializer(context={"now": T0})
        for row in rows:
            assert as_json(serializer.to_representation(row)) == as_json(generic(serializer, row))
