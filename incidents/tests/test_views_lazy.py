"""What the pages leave out until asked (issue #7): the detail page fetches its edit form when the
panel opens, and the queue's rows and filters render without per-row or per-option work."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from core import roles
from incidents import services
from incidents.models import Status
from incidents.tests.ui_helpers import HTMX, QUEUE, detail_url, reload

pytestmark = pytest.mark.django_db


def edit_url(incident):
    return reverse("incidents:edit", args=[incident.pk])


def test_detail_leaves_the_edit_form_to_be_fetched_when_the_panel_opens(agent_client, agent, incident):
    html = agent_client.get(detail_url(incident)).content.decode()
    assert f'class="card edit-panel" hx-get="{edit_url(incident)}"' in html
    assert 'id="edit_assignee"' not in html and 'name="title"' not in html
    assert f'href="{detail_url(incident)}?edit=1#edit-panel"' in html  # without JavaScript

    form = agent_client.get(edit_url(incident), **HTMX)
    fragment = form.content.decode()
    assert form.status_code == 200 and fragment.startswith("<form")
    assert 'id="edit_assignee"' in fragment and f'value="{incident.title}"' in fragment
    assert f'<option value="{agent.pk}"' in fragment
    assert f'name="version" value="{incident.version}"' in fragment


def test_without_javascript_the_edit_form_opens_in_the_page(agent_client, incident):
    response = agent_client.get(edit_url(incident))
    assert response.status_code == 302
    assert response["Location"] == f"{detail_url(incident)}?edit=1#edit-panel"
    html = agent_client.get(response["Location"]).content.decode()
    assert 'class="card edit-panel" open' in html and 'id="edit_assignee"' in html


def test_the_fetched_form_saves_like_before(agent_client, incident, service):
    fragment = agent_client.get(edit_url(incident), **HTMX).content.decode()
    version = re.search(r'name="version" value="(\d+)"', fragment).group(1)
    data = {"version": version, "title": "Checkout down", "service": service.pk, "impact": 1, "urgency": 1}
    assert agent_client.post(edit_url(incident), data, **HTMX).status_code == 200
    assert reload(incident).title == "Checkout down"


def test_who_cannot_edit_gets_no_form(viewer_client, client, agent, incident):
    assert viewer_client.get(edit_url(incident), **HTMX).status_code == 403
    assert 'id="edit_assignee"' not in viewer_client.get(f"{detail_url(incident)}?edit=1").content.decode()
    client.force_login(agent)
    services.incident_transition(incident=incident, actor=agent, action="cancel", note="Filed twice.")
    assert reload(incident).status == Status.CANCELLED
    assert client.get(edit_url(incident), **HTMX).status_code == 403


def test_queue_rows_link_and_label_without_template_lookups(agent_client, agent, incident):
    html = agent_client.get(QUEUE).content.decode()
    row = re.search(rf'<tr data-incident="{incident.number}"[^>]*>(.*?)</tr>', html, re.S).group(1)
    assert f'<a href="{detail_url(incident)}">{incident.number}</a>' in row
    assert (
        f'<span class="badge prio prio-{incident.priority}">{incident.get_priority_display()}</span>' in row
    )
    assert '<span class="badge status status-new">New</span>' in row
    created = incident.created_at
    assert f'datetime="{created.isoformat()}" title="{created:%Y-%m-%d %H:%M} UTC"' in row
    assert 'class="sla-cell" data-sla="on_track" data-target="response"' in row


def test_queue_filters_offer_the_assignable_people_and_keep_the_choices(agent_client, agent, make_user):
    retired = make_user(roles.AGENT, username="retired")
    get_user_model().objects.filter(pk=retired.pk).update(is_active=False)
    outsider = get_user_model().objects.create(username="no-role")
    html = agent_client.get(QUEUE, {"assignee": agent.pk, "status": ["new", "on_hold"]}).content.decode()
    assignees = re.search(r'<select name="assignee" id="id_assignee">(.*?)</select>', html, re.S).group(1)
    assert f'<option value="{agent.pk}" selected>{agent.username}</option>' in assignees
    assert "retired" not in assignees and outsider.username not in assignees
    assert 'name="status" value="new" checked' in html and 'name="status" value="on_hold" checked' in html
    assert 'name="status" value="resolved">' in html


def watchers_url(incident):
    return reverse("incidents:watch", args=[incident.pk])


def test_detail_leaves_the_watcher_picker_to_be_fetched_when_opened(agent_client, make_user, incident):
    alice = make_user("agent", username="alice")
    html = agent_client.get(detail_url(incident)).content.decode()
    assert f'class="add-watcher-panel" hx-get="{watchers_url(incident)}"' in html
    assert 'id="watch_user"' not in html  # no select of every account on each page view
    assert f'href="{detail_url(incident)}?watchers=1#watchers"' in html  # without JavaScript

    fragment = agent_client.get(watchers_url(incident), **HTMX).content.decode()
    assert fragment.startswith("<form") and 'id="watch_user"' in fragment
    assert 'list="watch_user-options"' in fragment  # a username field with suggestions, not every account
    assert "alice" not in fragment
    response = agent_client.post(watchers_url(incident), {"watching": "1", "user": alice.pk}, **HTMX)
    assert response.status_code == 200 and list(incident.watchers.all()) == [alice]


def test_without_javascript_the_watcher_picker_opens_in_the_page(agent_client, incident):
    response = agent_client.get(watchers_url(incident))
    assert response.status_code == 302
    assert response["Location"] == f"{detail_url(incident)}?watchers=1#watchers"
    html = agent_client.get(response["Location"]).content.decode()
    assert 'class="add-watcher-panel" open' in html and 'id="watch_user"' in html


def test_a_bad_pick_keeps_the_picker_open_with_the_error(agent_client, incident):
    response = agent_client.post(watchers_url(incident), {"watching": "1", "user": "999999"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose whom to add as a watcher." in html
    assert 'class="add-watcher-panel" open' in html and 'id="watch_user"' in html


def test_who_cannot_manage_watchers_gets_no_picker(viewer_client, incident):
    assert viewer_client.get(watchers_url(incident), **HTMX).status_code == 403
    html = viewer_client.get(f"{detail_url(incident)}?watchers=1").content.decode()
    assert "add-watcher-panel" not in html and 'id="watch_user"' not in html
    assert ">Watch</button>" in html  # watching oneself stays one click
