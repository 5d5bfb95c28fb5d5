"""Filing an incident reads the policies before it takes the number's row lock (which queues every
other filing until commit), stores the soonest SLA deadline with the row itself, and answers with the
clocks and escalation it has just created, exactly as a later read shows them."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Incident
from sla.selectors import escalation_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def file_and_read_back(api, payload) -> tuple[dict, dict]:
    with time_machine.travel(T0, tick=False):  # one instant: remaining times agree
        created = api.post(URL, payload)
        assert created.status_code == 201, created.json()
        read = api.get(f"{URL}{created.json()['id']}/")
    return created.json(), read.json()


def test_the_answer_to_a_filing_is_what_reading_it_back_shows(client_for, agent, service):
    created, read = file_and_read_back(
        client_for(agent), {"title": "Checkout down", "service": service.pk, "impact": 1, "urgency": 1}
    )
    assert created == read
    assert [clock["target"] for clock in created["sla"]] == ["response", "resolution"]
    assert all(clock["running_since"] == "2026-11-23T10:00:00Z" for clock in created["sla"])
    stored = Incident.objects.get(pk=created["id"])  # the queue orders and filters by this column
    assert stored.sla_due_at.isoformat().replace("+00:00", "Z") == min(c["due_at"] for c in created["sla"])
    assert created["escalation_level"] == 0
    assert created["next_escalation_at"] == "2026-11-23T10:05:00Z"  # the default P1 policy's first level
    assert escalation_of(Incident.objects.get(pk=created["id"])).next_due_at == datetime(
        2026, 11, 23, 10, 5, tzinfo=UTC
    )


def test_an_incident_no_escalation_policy_applies_to_answers_level_0(client_for, agent, service):
    created, read = file_and_read_back(
        client_for(agent), {"title": "Typo on a page", "service": service.pk, "impact": 3, "urgency": 3}
    )
    assert created == read
    assert escalation_of(Incident.objects.get(pk=created["id"])) is None
    assert created["escalation_level"] == 0 and created["next_escalation_at"] is None


def test_the_number_lock_is_held_for_the_writes_alone(client_for, agent, service):
    """Every read of a filing happens before the number's counter row is locked: from the lock to the
    last write, only the new incident's rows are written (and its deadline with its own INSERT, no
    UPDATE after), so concurrent filings queue for as little time as possible."""
    api = client_for(agent)
    payload = {"title": "Disk full", "service": service.pk, "impact": 1, "urgency": 2}
    assert api.post(URL, payload).status_code == 201  # warm-up (content types)
    with CaptureQueriesContext(connection) as queries:
        assert api.post(URL, payload).status_code == 201
    statements = [query["sql"] for query in queries.captured_queries]
    locked = next(i for i, sql in enumerate(statements) if "core_numbersequence" in sql)
    # events dispatch inline in tests, after the event's INSERT; in production they run after commit
    published = next(i for i, sql in enumerate(statements) if 'INSERT INTO "core_event"' in sql)
    under_lock = statements[locked + 1 : published + 1]
    tables = [sql.split("INSERT INTO ", 1)[1].split()[0] for sql in under_lock if "INSERT INTO " in sql]
    assert tables == [
        '"incidents_incident"',
        '"sla_escalation"',
        '"sla_slaclock"',
        '"core_timelineentry"',
        '"core_event"',
    ], under_lock
    assert len(under_lock) == len(tables), under_lock  # nothing but these INSERTs


def test_what_filing_leaves_on_the_incident_never_goes_stale(agent, service):
    """The clocks and escalation a filing created are handed to the API's answer only: the incident the
    service returns reads its escalation level afresh after a later change."""
    from incidents import services
    from incidents.escalation import escalation_level

    incident = services.incident_create(
        actor=agent, title="Checkout down", service=service, impact=1, urgency=1
    )
    services.incident_escalate(incident=incident, actor=agent)
    assert escalation_level(incident) == 1
