"""Query counts of the browser pages (issue #7 item 5): the queue (each quick view, both sorts) and the
detail page ask the database a fixed number of times, whatever the page size and the table size."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import services
from incidents.models import Incident, Level
from incidents.tests.ui_helpers import QUEUE, detail_url, rows
from incidents.views import queue as views

pytestmark = pytest.mark.django_db

P1 = {"impact": Level.HIGH, "urgency": Level.HIGH}
VIEWS = [query for _label, query in views.QUICK_FILTERS] + ["is_open=true&sort=due", "is_open=false"]


def clone_incidents(times: int) -> None:
    """Grow the table cheaply: copy every incident `times` times with its SLA clocks and the columns the
    SLA engine keeps from them (bulk SQL)."""
    content_type = ContentType.objects.get_for_model(Incident).pk
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE TEMP TABLE copies ON COMMIT DROP AS
            SELECT i.id AS old_id, nextval(pg_get_serial_sequence('incidents_incident', 'id')) AS new_id
            FROM incidents_incident i CROSS JOIN generate_series(1, %(times)s);
            INSERT INTO incidents_incident (
                id, version, created_at, updated_at, number, title, description, impact, urgency, priority,
                source, status, acknowledged_at, started_at, on_hold_at, resolved_at, closed_at, cancelled_at,
                reopened_at, resolution_code, resolution_notes, assignee_id, assignment_group_id, reporter_id,
                service_id, ci_id, sla_due_at, sla_breached_from)
            SELECT c.new_id, i.version, i.created_at, i.updated_at, 'INC-9' || c.new_id, i.title,
                   i.description, i.impact, i.urgency, i.priority, i.source, i.status, i.acknowledged_at,
                   i.started_at, i.on_hold_at, i.resolved_at, i.closed_at, i.cancelled_at, i.reopened_at,
                   i.resolution_code, i.resolution_notes, i.assignee_id, i.assignment_group_id,
                   i.reporter_id, i.service_id, i.ci_id, i.sla_due_at, i.sla_breached_from
            FROM copies c JOIN incidents_incident i ON i.id = c.old_id;
            INSERT INTO sla_slaclock (
                content_type_id, object_id, target, policy_target_id, rules, calendar_id, target_duration,
                elapsed, running_since, stopped_at, half_at, at_risk_at, due_at, warned_50_at, warned_75_at,
                breached_at, next_fire_at)
            SELECT k.content_type_id, c.new_id, k.target, k.policy_target_id, k.rules, k.calendar_id,
                   k.target_duration, k.elapsed, k.running_since, k.stopped_at, k.half_at, k.at_risk_at,
                   k.due_at, k.warned_50_at, k.warned_75_at, k.breached_at, k.next_fire_at
            FROM copies c JOIN sla_slaclock k ON k.object_id = c.old_id AND k.content_type_id = %(ct)s;
            DROP TABLE copies;
            """,
            {"times": times, "ct": content_type},
        )


@pytest.fixture
def incidents(incident_factory, service, agent, manager):
    """Incidents in different states and SLA states (P1: response due 15 min after filing, at risk
    after 11 min 15 s), assigned to me, to someone else and to nobody."""
    now = timezone.now()
    made = []
    for minutes_ago, assignee in ((12, agent), (0, manager), (180, None), (0, agent)):
        with time_machine.travel(now - timedelta(minutes=minutes_ago), tick=False):
            made.append(incident_factory(service=service, reporter=agent, assignee=assignee, **P1))
    services.incident_transition(incident=made[1], actor=agent, action="acknowledge")
    services.incident_transition(incident=made[3], actor=agent, action="cancel", note="Filed twice.")
    return made


def count_queries(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries), len(rows(response))


@pytest.mark.parametrize("query", VIEWS)
def test_queue_query_count_is_the_same_for_any_page_size_and_table_size(
    agent_client, incidents, monkeypatch, query
):
    url = f"{QUEUE}?{query}"
    few, few_rows = count_queries(agent_client, url)
    assert few_rows >= 1

    clone_incidents(60)  # 244 incidents: more than a page in every view
    many, many_rows = count_queries(agent_client, url)
    monkeypatch.setattr(views, "PAGE_SIZE", 10)
    small_pages, small_rows = count_queries(agent_client, url)

    assert (many_rows, small_rows) == (50, 10)
    assert few == many == small_pages


def test_queue_says_more_than_the_cap_instead_of_counting(agent_client, incidents, monkeypatch):
    monkeypatch.setattr(views, "COUNT_CAP", 100)
    clone_incidents(60)
    html = agent_client.get(QUEUE, {"is_open": ""}).content.decode()
    assert "More than 100 incidents · page 1" in html
    assert "Next →" in html

    monkeypatch.setattr(views, "MAX_PAGE", 3)
    last = agent_client.get(QUEUE, {"is_open": "", "page": "99"})  # clamped to the last page allowed
    html = last.content.decode()
    assert "Page 3<" in html and "Next →" not in html
    assert "Narrow the filters to see older incidents." in html
    assert len(rows(last)) == 50


def test_detail_query_count_does_not_grow_with_the_timeline_or_the_table(agent_client, agent, incidents):
    incident = incidents[1]
    few, _ = count_queries(agent_client, detail_url(incident))
    for n in range(5):
        services.incident_comment_add(incident=incident, actor=agent, body=f"Note {n}", visibility="public")
    clone_incidents(20)
    with CaptureQueriesContext(connection) as queries:
        html = agent_client.get(detail_url(incident)).content.decode()
    assert "Note 4" in html
    assert len(queries.captured_queries) == few
