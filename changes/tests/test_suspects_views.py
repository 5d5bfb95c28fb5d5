"""Suspected cause in the browser: the change's "possibly caused incidents" panel, the incident's
"possibly caused by CHG-…" panel, confirm / dismiss through htmx, and the template tags."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from catalog.tests.factories import ServiceFactory
from changes.models import SuspectedCause
from core import roles

from .suspects_setup import file_incident, implemented_change, suspected_link

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def link(agent, service, ci):
    return suspected_link(reporter=agent, service=service, ci=ci, before=timedelta(hours=2, minutes=5))


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def _decide_url(link, action):
    return f"/changes/suspects/{link.pk}/{action}/"


def test_change_panel(agent_client, link):
    response = agent_client.get(f"/changes/{link.change_id}/suspects/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Possibly caused incidents" in html and link.incident.number in html
    assert "Opened 2 h 05 min after implementation" in html
    assert "Same configuration item: pay-db-1" in html
    assert 'data-decision="confirm"' in html and 'data-decision="dismiss"' in html


def test_incident_panel(agent_client, link):
    html = agent_client.get(f"/changes/incidents/{link.incident_id}/suspects/").content.decode()
    assert (
        f'Possibly caused by <a href="/changes/{link.change_id}/"><strong>{link.change.number}</strong></a>'
        in html
    )
    assert "Implemented 2 h 05 min before this incident" in html


def test_empty_panels_say_what_was_looked_for(agent_client, agent, service):
    incident = file_incident(reporter=agent, service=service)
    html = agent_client.get(f"/changes/incidents/{incident.pk}/suspects/").content.decode()
    assert (
        "No change was implemented on this service or configuration item within 4h before the incident."
        in html
    )


def test_viewers_see_the_links_without_buttons(client, make_user, link):
    client.force_login(make_user(roles.VIEWER, username="viewer"))
    html = client.get(f"/changes/{link.change_id}/suspects/").content.decode()
    assert link.incident.number in html and "data-decision" not in html


def test_confirm_through_htmx_rerenders_the_panel(agent_client, link):
    response = agent_client.post(
        _decide_url(link, "confirm"), {"panel": "incident", "note": "The resize did it."}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="incident-suspects-{link.incident_id}"' in html  # the incident's panel, swapped in place
    assert "Confirmed" in html and "by agent" in html and "The resize did it." in html
    assert "data-decision" not in html
    assert SuspectedCause.objects.get(pk=link.pk).status == "confirmed"


def test_dismiss_without_a_note_shows_the_error(agent_client, link):
    response = agent_client.post(_decide_url(link, "dismiss"), {"panel": "change", "note": ""}, **HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and "Say why the change did not cause this incident." in html
    assert SuspectedCause.objects.get(pk=link.pk).status == "suggested"


def test_a_second_decision_is_refused_with_the_state(agent_client, link):
    agent_client.post(_decide_url(link, "dismiss"), {"panel": "change", "note": "Unrelated."}, **HTMX)
    response = agent_client.post(_decide_url(link, "confirm"), {"panel": "change"}, **HTMX)
    assert response.status_code == 409
    assert "already dismissed" in response.content.decode()


def test_viewers_may_not_decide(client, make_user, link):
    client.force_login(make_user(roles.VIEWER, username="viewer"))
    response = client.post(_decide_url(link, "confirm"), {"panel": "change"}, **HTMX)
    assert response.status_code == 403
    assert "Only agents, managers and change managers" in response.content.decode()
    assert SuspectedCause.objects.get(pk=link.pk).status == "suggested"


def test_without_htmx_the_form_posts_and_redirects(agent_client, link):
    response = agent_client.post(_decide_url(link, "confirm"), {"panel": "incident"})
    assert response.status_code == 302 and response["Location"] == f"/incidents/{link.incident_id}/"
    assert SuspectedCause.objects.get(pk=link.pk).status == "confirmed"


@pytest.mark.parametrize("url", ["/changes/suspects/999999/confirm/", "/changes/999999/suspects/"])
def test_missing_records_are_404(agent_client, url):
    method = agent_client.post if "confirm" in url else agent_client.get
    assert method(url).status_code == 404


def test_unknown_decision_is_404(agent_client, link):
    assert agent_client.post(_decide_url(link, "maybe")).status_code == 404


def test_anonymous_goes_to_login(client, link):
    response = client.get(f"/changes/{link.change_id}/suspects/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_template_tags_render_the_panels(agent, link):
    request = RequestFactory().get("/")
    request.user = agent
    html = Template(
        "{% load change_suspects %}{% change_suspects change %}{% incident_suspects incident %}"
    ).render(Context({"request": request, "change": link.change, "incident": link.incident}))
    assert "Possibly caused incidents" in html and "Possibly caused by" in html
    assert link.change.number in html and link.incident.number in html


@pytest.mark.parametrize("side", ["change", "incident"])
def test_panel_queries_do_not_grow_with_rows(agent_client, agent, side, django_assert_num_queries):
    for n in (1, 5):
        service = ServiceFactory()
        if side == "change":
            change = implemented_change(at=datetime.now(UTC) - timedelta(minutes=30), services=[service])
            for i in range(n):
                file_incident(reporter=agent, service=service, title=f"Outage {i}")
            url = f"/changes/{change.pk}/suspects/"
        else:
            for _ in range(n):
                implemented_change(at=datetime.now(UTC) - timedelta(minutes=30), services=[service])
            url = f"/changes/incidents/{file_incident(reporter=agent, service=service).pk}/suspects/"
        agent_client.get(url)
        # session, the user with their roles, the record, its links with their change, incident, service,
        # CI, decider
        with django_assert_num_queries(4):
            response = agent_client.get(url)
        assert response.content.decode().count('class="suspect suspect-') == n


def test_the_incident_page_loads_its_suspected_changes_panel(agent_client, link):
    """The incident page fetches the panel after itself (htmx `load`), from the URL tested above."""
    html = agent_client.get(f"/incidents/{link.incident_id}/").content.decode()
    assert f'hx-get="/changes/incidents/{link.incident_id}/suspects/"' in html
