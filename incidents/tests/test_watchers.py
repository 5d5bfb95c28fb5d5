"""The affected user (caller) and watchers (issue #10 item 5): who may watch, and that public updates
(status changes, comments that are not internal notes) reach them as notifications and emails."""

import pytest
from django.core import mail

from core import roles
from core.errors import InvalidInput, NotPermitted
from core.models import TimelineEntry
from incidents import services
from incidents.tests.ui_helpers import HTMX, detail_url, reload
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def watch_url(incident):
    return f"/incidents/{incident.pk}/watchers/"


@pytest.fixture
def alice(make_user):
    return make_user(roles.VIEWER, username="alice", email="alice@example.com")


def notified(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("id").values_list("event_type", flat=True)
    )


def test_anyone_who_reads_may_watch_themselves_but_only_workers_add_others(incident, agent, viewer, alice):
    services.incident_watch(incident=incident, actor=viewer, user=viewer)
    services.incident_watch(incident=incident, actor=viewer, user=viewer)  # twice changes nothing
    assert list(reload(incident).watchers.all()) == [viewer]
    with pytest.raises(NotPermitted):
        services.incident_watch(incident=incident, actor=viewer, user=alice)
    services.incident_watch(incident=incident, actor=agent, user=alice)
    services.incident_watch(incident=incident, actor=agent, user=viewer, watching=False)
    assert list(reload(incident).watchers.all()) == [alice]
    changes = TimelineEntry.objects.filter(field="watchers").order_by("id")
    assert [(e.old_value, e.new_value) for e in changes] == [("", "viewer"), ("", "alice"), ("viewer", "")]


def test_someone_without_a_role_cannot_be_added(incident, agent, make_user):
    stranger = make_user(username="stranger")
    with pytest.raises(InvalidInput):
        services.incident_watch(incident=incident, actor=agent, user=stranger)


def test_public_updates_reach_watchers_and_the_caller_not_the_author_nor_internal_notes(
    incident_factory, service, agent, manager, alice, make_user
):
    bob = make_user(roles.AGENT, username="bob", email="bob@example.com")
    incident = incident_factory(reporter=agent, service=service, caller=alice)
    services.incident_watch(incident=incident, actor=bob, user=bob)
    services.incident_watch(incident=incident, actor=manager, user=manager)
    mail.outbox.clear()

    services.incident_transition(incident=incident, actor=bob, action="acknowledge")
    services.incident_comment_add(incident=incident, actor=manager, body="Vendor is on it.")
    services.incident_comment_add(
        incident=incident, actor=manager, body="Root cause: cert.", visibility="internal"
    )

    assert notified(alice) == ["incident.acknowledged", "incident.commented"]  # the caller
    assert notified(bob) == ["incident.commented"]  # not told of his own acknowledgement
    assert notified(manager) == ["incident.acknowledged"]  # nor of his own comment
    update = Notification.objects.get(recipient=alice, event_type="incident.commented")
    assert incident.number in update.title and "Vendor is on it." in update.body
    assert "Root cause" not in " ".join(Notification.objects.values_list("body", flat=True))


def test_watch_button_and_add_remove_on_the_detail_page(client, incident, agent, viewer, alice):
    client.force_login(viewer)
    assert ">Watch</button>" in client.get(detail_url(incident)).content.decode()
    response = client.post(watch_url(incident), {"watching": "1"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "You are watching" in html and ">Stop watching</button>" in html
    assert 'name="user"' not in html  # a viewer cannot add others
    client.force_login(agent)
    response = client.post(watch_url(incident), {"watching": "1", "user": alice.pk}, follow=True)
    assert "alice now watches" in response.content.decode()
    response = client.post(watch_url(incident), {"watching": "0", "user": viewer.pk}, follow=True)
    assert "viewer no longer watches" in response.content.decode()
    assert list(reload(incident).watchers.all()) == [alice]


def test_the_new_incident_form_defaults_the_caller_to_the_reporter(client, agent, service, alice):
    client.force_login(agent)
    html = client.get("/incidents/new/").content.decode()
    assert 'name="caller" value="agent"' in html  # a person picker (core/user_picker.py), not a select
    response = client.post(
        "/incidents/new/",
        {"title": "VPN drops", "service": service.pk, "impact": 2, "urgency": 2, "caller": alice.pk},
    )
    assert response.status_code == 302
    incident = service.incidents.get()
    assert incident.caller == alice
    assert "Affected user</dt><dd>alice" in client.get(detail_url(incident)).content.decode()
