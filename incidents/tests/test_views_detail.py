"""The browser UI of one incident: transitions, edits, read-only users, comments, and how domain
errors reach the person at the keyboard."""

import pytest
from django.urls import reverse

from core.models import TimelineEntry
from incidents import services
from incidents.models import Priority, Status
from incidents.tests.ui_helpers import HTMX, QUEUE, detail_url, offered_actions, reload, rows, transition_url

# --- detail and transitions -------------------------------------------------------------------


def test_detail_offers_exactly_the_allowed_transitions(agent_client, agent, incident):
    assert offered_actions(agent_client.get(detail_url(incident))) == {"acknowledge", "cancel"}
    services.incident_transition(incident=incident, actor=agent, action="acknowledge")
    assert offered_actions(agent_client.get(detail_url(incident))) == {"start", "resolve", "cancel"}
    services.incident_resolve(incident=incident, actor=agent, resolution_code="fixed", resolution_notes="ok")
    response = agent_client.get(detail_url(incident))
    assert offered_actions(response) == set(reload(incident).allowed_transitions()) == {"close", "reopen"}


def test_acknowledge_redirects_and_the_timeline_shows_it(agent_client, incident):
    response = agent_client.post(transition_url(incident, "acknowledge"), {"version": incident.version})
    assert response.status_code == 302
    assert reload(incident).status == Status.ACKNOWLEDGED
    html = agent_client.get(detail_url(incident)).content.decode()
    assert "is now acknowledged" in html
    assert "New → <strong>Acknowledged</strong>" in html


def test_htmx_transition_redraws_the_detail_in_place(agent_client, incident):
    response = agent_client.post(
        transition_url(incident, "acknowledge"), {"version": incident.version}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<div id="incident-detail"')
    assert 'hx-swap-oob="true"' in html and "is now acknowledged" in html
    assert offered_actions(response) == {"start", "resolve", "cancel"}


def test_resolve_without_notes_shows_the_field_error_and_changes_nothing(agent_client, agent, incident):
    acked = services.incident_transition(incident=incident, actor=agent, action="acknowledge")
    response = agent_client.post(
        transition_url(incident, "resolve"), {"version": acked.version, "resolution_code": "fixed"}
    )
    assert response.status_code == 400
    assert "Describe how the incident was resolved." in response.content.decode()
    after = reload(incident)
    assert (after.status, after.version, after.resolution_code) == (Status.ACKNOWLEDGED, acked.version, "")


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("cancel", {"version": 1, "note": " "}, "Say why the incident is cancelled."),
        ("acknowledge", {}, "did not say which version"),
        ("acknowledge", {"version": "x"}, "did not say which version"),
    ],
)
def test_bad_transition_input_is_400_and_changes_nothing(agent_client, incident, action, data, message):
    response = agent_client.post(transition_url(incident, action), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert (reload(incident).status, reload(incident).version) == (Status.NEW, 1)


def test_stale_version_gets_the_concurrent_modification_message(agent_client, manager, incident):
    page_version = incident.version
    services.incident_update(incident=incident, actor=manager, title="Checkout returns 503")
    response = agent_client.post(transition_url(incident, "acknowledge"), {"version": page_version})
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed by someone else" in html
    assert "status “New”" in html and "Allowed now: Acknowledge, Cancel incident." in html
    assert "'new'" not in html and "acknowledge, cancel" not in html  # labels, never codes
    after = reload(incident)
    assert (after.status, after.version) == (Status.NEW, page_version + 1)


def test_illegal_transition_is_409_naming_the_allowed_ones(agent_client, incident):
    response = agent_client.post(transition_url(incident, "close"), {"version": incident.version}, **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Cannot close while the status is “New”. Allowed now: Acknowledge, Cancel incident." in html


def test_assign_to_me(agent_client, agent, incident):
    assert "Assign to me" in agent_client.get(detail_url(incident)).content.decode()
    response = agent_client.post(reverse("incidents:assign_to_me", args=[incident.pk]), {"version": 1})
    assert response.status_code == 302
    assert reload(incident).assignee == agent
    assert "Assign to me" not in agent_client.get(detail_url(incident)).content.decode()


def test_edit_fields_records_the_changes(agent_client, incident, service):
    form = {
        "version": incident.version,
        "title": "Checkout is down",
        "description": incident.description,
        "service": service.pk,
        "impact": 1,
        "urgency": 1,
    }
    response = agent_client.post(reverse("incidents:edit", args=[incident.pk]), form, **HTMX)
    assert response.status_code == 200
    after = reload(incident)
    assert (after.title, after.priority, after.version) == (
        "Checkout is down",
        Priority.P1,
        incident.version + 1,
    )
    html = response.content.decode()
    assert "<del>P3 medium</del> → <ins>P1 critical</ins>" in html


def test_edit_with_a_bad_value_keeps_the_form_open_with_the_error(agent_client, incident, service):
    form = {"version": incident.version, "title": "  ", "service": service.pk, "impact": 9, "urgency": 1}
    response = agent_client.post(reverse("incidents:edit", args=[incident.pk]), form, **HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="card edit-panel" open' in html
    assert "Select a valid choice" in html
    assert reload(incident).version == incident.version


# --- read-only users --------------------------------------------------------------------------


def test_viewer_sees_the_queue_and_detail_read_only(viewer_client, incident):
    assert rows(viewer_client.get(QUEUE)) == [incident.number]
    html = viewer_client.get(detail_url(incident)).content.decode()
    assert incident.title in html
    assert 'data-action="' not in html
    assert html.count("<form") == 3  # header search, logout and "Watch" (reading is enough to follow it)
    assert 'class="watch-toggle"' in html and ">Watch</button>" in html
    assert "New incident" not in viewer_client.get(QUEUE).content.decode()


@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("transition", {"version": 1}),
        ("assign_to_me", {"version": 1}),
        ("comment", {"body": "hello", "visibility": "public"}),
        ("edit", {"version": 1, "title": "x", "impact": 1, "urgency": 1}),
    ],
)
def test_viewer_post_is_403_and_changes_nothing(viewer_client, incident, url_name, data):
    args = [incident.pk, "acknowledge"] if url_name == "transition" else [incident.pk]
    if url_name == "edit":
        data = {**data, "service": incident.service_id}
    response = viewer_client.post(reverse(f"incidents:{url_name}", args=args), data)
    assert response.status_code == 403
    after = reload(incident)
    assert (after.status, after.version, after.assignee, after.title) == (
        Status.NEW,
        incident.version,
        None,
        incident.title,
    )


# --- comments ---------------------------------------------------------------------------------


def test_comments_join_the_timeline_and_internal_notes_stay_internal(client, agent, viewer, incident):
    client.force_login(agent)
    url = reverse("incidents:comment", args=[incident.pk])
    public = client.post(url, {"body": "We are on it.", "visibility": "public"}, **HTMX)
    assert public.status_code == 200
    assert "We are on it." in public.content.decode()
    assert 'id="comment-form"' in public.content.decode()  # the form comes back empty, out of band
    assert client.post(url, {"body": "DB failover at 10:02", "visibility": "internal"}).status_code == 302

    agent_html = client.get(detail_url(incident)).content.decode()
    assert "We are on it." in agent_html
    assert "DB failover at 10:02" in agent_html
    assert "Internal note</span>" in agent_html

    client.force_login(viewer)
    viewer_html = client.get(detail_url(incident)).content.decode()
    assert "We are on it." in viewer_html
    assert "DB failover at 10:02" not in viewer_html
    assert TimelineEntry.objects.filter(kind="comment").count() == 2


def test_empty_comment_is_refused_in_place(agent_client, incident):
    url = reverse("incidents:comment", args=[incident.pk])
    response = agent_client.post(url, {"body": "  ", "visibility": "public"}, **HTMX)
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#incident-detail"
    assert "A comment cannot be empty." in response.content.decode()
    assert not TimelineEntry.objects.filter(kind="comment").exists()


def test_closed_incident_is_read_only(agent_client, agent, incident):
    services.incident_transition(incident=incident, actor=agent, action="cancel", note="Raised twice")
    html = agent_client.get(detail_url(incident)).content.decode()
    assert 'data-action="' not in html and 'id="comment-form"' not in html
    response = agent_client.post(
        reverse("incidents:comment", args=[incident.pk]), {"body": "late", "visibility": "public"}
    )
    assert response.status_code == 409
    assert "cannot be changed" in response.content.decode()
