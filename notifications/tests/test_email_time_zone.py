"""E-mails say times in their recipient's zone, whoever (in whatever zone) caused them."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from core import roles
from core.profiles import profile_update
from incidents.sla import sweep_sla_clocks
from incidents.tests.factories import IncidentFactory
from notifications import delivery
from notifications.models import Notification, OutboxMessage

pytestmark = pytest.mark.django_db

FILED = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)  # a P1: response due 05:15 UTC = 14:15 JST = 00:15 EST


def test_a_breach_email_to_a_tokyo_user_shows_tokyo_time(make_user, service, client):
    tokyo = make_user(roles.AGENT, username="tokyo")
    new_york = make_user(roles.MANAGER, username="newyork")
    profile_update(user=tokyo, time_zone="Asia/Tokyo")
    profile_update(user=new_york, time_zone="America/New_York")
    with time_machine.travel(FILED, tick=False):
        incident = IncidentFactory(reporter=tokyo, service=service, impact=1, urgency=1, assignee=tokyo)
    with time_machine.travel(FILED + timedelta(minutes=16), tick=False):
        sweep_sla_clocks()
        delivery.sweep()
    breach = [m for m in mail.outbox if "Response SLA breached" in m.subject]
    by_recipient = {m.to[0]: m for m in breach}
    assert "due 2026-12-06 14:15 JST" in by_recipient["tokyo@example.com"].body
    assert "due 2026-12-06 00:15 EST" in by_recipient["newyork@example.com"].body  # a manager hears too
    assert "UTC" not in by_recipient["tokyo@example.com"].body
    # stored once, in UTC, for the API and webhooks; the bell's list shows it in the reader's zone
    stored = Notification.objects.get(recipient=tokyo, event_key__endswith=":sla:response:breach")
    assert "due 2026-12-06 05:15 UTC" in stored.body
    client.force_login(tokyo)
    assert "due 2026-12-06 14:15 JST" in client.get("/notifications/").content.decode()
    assert incident.number in by_recipient["tokyo@example.com"].subject


def test_an_email_without_times_is_unchanged(make_user):
    from notifications.services import notify

    alice = make_user(roles.AGENT, username="alice")
    profile_update(user=alice, time_zone="Asia/Tokyo")
    notify(recipients=[alice], event_type="incident.assigned", event_key="k:1", title="INC-1", body="Look.")
    assert OutboxMessage.objects.get().payload["body"] == "Look."
