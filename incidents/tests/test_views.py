"""The browser UI: access, the incident queue and filing. Detail pages: test_views_detail.py;
SLA and escalation: test_views_sla.py."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.tests.factories import ConfigurationItemFactory
from incidents import services
from incidents.models import Incident, Level, Priority, Status
from incidents.tests.ui_helpers import HTMX, NEW, QUEUE, detail_url, file, reload, rows, transition_url

# --- access -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["queue", "new"])
def test_login_required_redirects_to_login(client, name):
    url = reverse(f"incidents:{name}")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={url}"


def test_login_required_for_detail_and_htmx_gets_a_client_redirect(client, incident):
    assert client.get(detail_url(incident))["Location"].startswith("/login/?next=")
    response = client.get(QUEUE, **HTMX)
    assert response["HX-Redirect"].startswith("/login/?next=")


def test_login_page_signs_in_and_lands_on_the_queue(client, agent):
    assert 'name="username"' in client.get("/login/").content.decode()
    response = client.post("/login/", {"username": "agent", "password": "opsdesk"})
    assert response.status_code == 302
    assert response["Location"] == QUEUE


def test_user_without_role_gets_403(client, make_user, incident):
    client.force_login(make_user(username="nobody"))
    assert client.get(QUEUE).status_code == 403
    assert client.get(detail_url(incident)).status_code == 403
    response = client.post(transition_url(incident, "acknowledge"), {"version": incident.version})
    assert response.status_code == 403
    assert reload(incident).status == Status.NEW


def test_unknown_incident_or_action_is_404(agent_client, incident):
    assert agent_client.get(reverse("incidents:detail", args=[999999])).status_code == 404
    assert agent_client.post(transition_url(incident, "explode"), {"version": 1}).status_code == 404


# --- queue ------------------------------------------------------------------------------------


def test_queue_sorted_by_priority_then_oldest_first(agent_client, agent, service, incident_factory):
    p3_old = file(incident_factory, service, agent, age=timedelta(hours=5))
    p1 = file(
        incident_factory, service, agent, impact=Level.HIGH, urgency=Level.HIGH, age=timedelta(minutes=5)
    )
    p3_new = file(incident_factory, service, agent, age=timedelta(hours=1))
    p2 = file(
        incident_factory, service, agent, impact=Level.HIGH, urgency=Level.MEDIUM, age=timedelta(hours=3)
    )

    response = agent_client.get(QUEUE)

    assert response.status_code == 200
    assert rows(response) == [p1.number, p2.number, p3_old.number, p3_new.number]
    html = response.content.decode()
    assert 'class="badge prio prio-1">P1 critical<' in html
    assert 'class="badge prio prio-2">P2 high<' in html
    assert "5h 00m" in html or "4h 59m" in html  # the age, in core/formatting.py's "age" style


def test_queue_defaults_to_open_incidents(agent_client, agent, service, incident_factory):
    open_one = file(incident_factory, service, agent)
    cancelled = file(incident_factory, service, agent)
    services.incident_transition(incident=cancelled, actor=agent, action="cancel", note="Duplicate call")

    assert rows(agent_client.get(QUEUE)) == [open_one.number]
    assert set(rows(agent_client.get(QUEUE, {"is_open": ""}))) == {open_one.number, cancelled.number}
    assert rows(agent_client.get(QUEUE, {"is_open": "false"})) == [cancelled.number]


def test_queue_filters(agent_client, agent, manager, service, incident_factory):
    mine = file(incident_factory, service, agent, assignee=agent)
    theirs = file(incident_factory, service, agent, assignee=manager, impact=Level.HIGH, urgency=Level.HIGH)
    nobody = file(incident_factory, service, agent)
    acked = services.incident_transition(incident=nobody, actor=agent, action="acknowledge")

    assert rows(agent_client.get(QUEUE, {"mine": "true"})) == [mine.number]
    assert rows(agent_client.get(QUEUE, {"unassigned": "true"})) == [acked.number]
    assert rows(agent_client.get(QUEUE, {"status": "acknowledged"})) == [acked.number]
    assert rows(agent_client.get(QUEUE, {"priority": "1"})) == [theirs.number]
    assert rows(agent_client.get(QUEUE, {"assignee": manager.pk})) == [theirs.number]
    assert rows(agent_client.get(QUEUE, {"q": acked.number})) == [acked.number]
    response = agent_client.get(QUEUE, {"mine": "true"})
    assert 'name="mine" value="true" checked' in response.content.decode()


def test_queue_ignores_bad_filter_values(agent_client, incident):
    response = agent_client.get(QUEUE, {"priority": "9", "service": "abc", "is_open": "maybe", "page": "zz"})
    assert response.status_code == 200
    assert "These filters were ignored" in response.content.decode()
    assert rows(response) == [incident.number]


def test_queue_htmx_request_gets_only_the_table(agent_client, incident):
    response = agent_client.get(QUEUE, {"is_open": "true"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="queue-table"')
    assert "<html" not in html
    assert 'hx-trigger="every 30s"' in html
    assert "HX-Request" in response["Vary"]


def test_queue_paginates_50_per_page(agent_client, agent, service, incident_factory):
    for _ in range(51):
        file(incident_factory, service, agent)
    assert len(rows(agent_client.get(QUEUE))) == 50
    second = agent_client.get(QUEUE, {"page": 2})
    assert len(rows(second)) == 1
    assert "Page 2 of 2" in second.content.decode()


def test_queue_query_count_does_not_grow_with_rows(
    agent_client, agent, manager, service, incident_factory, django_assert_num_queries
):
    def add(count):
        for n in range(count):
            file(incident_factory, service, agent, assignee=(agent, manager, None)[n % 3])

    add(3)
    with CaptureQueriesContext(connection) as few:
        assert len(rows(agent_client.get(QUEUE))) == 3
    add(27)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(rows(agent_client.get(QUEUE))) == 30


# --- filing -----------------------------------------------------------------------------------


def test_new_incident_is_filed_with_the_matrix_priority(agent_client, agent, service, ci):
    response = agent_client.post(
        NEW,
        {
            "title": "Card payments fail",
            "description": "All card payments return 502.",
            "service": service.pk,
            "ci": ci.pk,
            "impact": 1,
            "urgency": 2,
            "assignee": agent.pk,
        },
    )
    incident = Incident.objects.get(title="Card payments fail")
    assert response.status_code == 302
    assert response["Location"] == detail_url(incident)
    assert incident.priority == Priority.P2
    assert (incident.reporter, incident.source, incident.ci, incident.assignee) == (agent, "web", ci, agent)
    page = agent_client.get(response["Location"]).content.decode()
    assert f"{incident.number} filed as P2 high." in page


def test_new_incident_form_errors_are_shown_and_nothing_is_filed(agent_client, service):
    other_ci = ConfigurationItemFactory()
    response = agent_client.post(NEW, {"title": "", "service": service.pk, "ci": other_ci.pk, "impact": 1})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html
    assert "Select a valid choice" in html  # the CI belongs to another service
    assert not Incident.objects.exists()


def test_viewer_cannot_open_the_new_incident_page(viewer_client):
    assert viewer_client.get(NEW).status_code == 403
    assert viewer_client.post(NEW, {"title": "x"}).status_code == 403


def test_new_incident_ci_choices_follow_the_service(agent_client, service, ci):
    other_ci = ConfigurationItemFactory()
    html = agent_client.get(reverse("incidents:ci_options"), {"service": service.pk}, **HTMX).content.decode()
    assert ci.name in html and other_ci.name not in html
    empty = agent_client.get(reverse("incidents:ci_options"), {"service": "nope"}, **HTMX).content.decode()
    assert "Choose a service first" in empty
    edit = agent_client.get(
        reverse("incidents:ci_options"), {"service": service.pk, "prefix": "edit"}, **HTMX
    )
    assert 'id="edit-ci-wrap"' in edit.content.decode() and 'id="edit_ci"' in edit.content.decode()


@pytest.mark.parametrize(
    ("impact", "urgency", "label"),
    [
        (1, 1, "P1 critical"),
        (1, 2, "P2 high"),
        (2, 1, "P2 high"),
        (2, 2, "P3 medium"),
        (1, 3, "P3 medium"),
        (2, 3, "P4 low"),
        (3, 3, "P4 low"),
    ],
)
def test_priority_preview(agent_client, impact, urgency, label):
    response = agent_client.get(reverse("incidents:priority_preview"), {"impact": impact, "urgency": urgency})
    assert response.status_code == 200
    assert f">{label}<" in response.content.decode()


def test_priority_preview_with_bad_input_shows_a_dash(agent_client):
    response = agent_client.get(reverse("incidents:priority_preview"), {"impact": "7", "urgency": "x"})
    assert response.status_code == 200
    assert "—" in response.content.decode()
