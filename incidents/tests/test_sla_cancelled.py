"""A cancelled incident's SLA clocks read "cancelled", not "met": withdrawing an incident is no
achievement. A clock that breached before the cancel still reads breached."""

from datetime import timedelta

import pytest

from incidents import services
from incidents.tests.test_views_sla import P1, P3, at, detail_rows, queue_cell
from incidents.tests.ui_helpers import QUEUE, detail_url

pytestmark = pytest.mark.django_db

MIN = timedelta(minutes=1)


def cancel(incident, actor, offset):
    with at(offset):
        return services.incident_transition(
            incident=incident, actor=actor, action="cancel", note="Duplicate."
        )


def test_a_cancelled_incidents_clocks_read_cancelled_on_the_pages(
    agent_client, agent, service, incident_factory
):
    with at(timedelta(0)):
        incident = incident_factory(service=service, reporter=agent, **P3)
    cancel(incident, agent, 5 * MIN)
    with at(6 * MIN):
        detail = agent_client.get(detail_url(incident))
        queue = agent_client.get(QUEUE, {"status": "cancelled"})
    assert detail_rows(detail) == {
        "response": ("cancelled", "stopped after 5m 00s"),
        "resolution": ("cancelled", "stopped after 5m 00s"),
    }
    assert "Met" not in detail.content.decode()
    state, _, text = queue_cell(queue, incident)
    assert (state, text) == ("cancelled", "")


def test_a_clock_breached_before_the_cancel_stays_breached(agent_client, agent, service, incident_factory):
    with at(timedelta(0)):
        incident = incident_factory(service=service, reporter=agent, **P1)  # response within 15m
    cancel(incident, agent, 20 * MIN)
    with at(21 * MIN):
        rows = detail_rows(agent_client.get(detail_url(incident)))
    assert rows["response"][0] == "breached" and rows["resolution"][0] == "cancelled"


def test_the_api_says_cancelled_too(client_for, agent, service, incident_factory):
    with at(timedelta(0)):
        incident = incident_factory(service=service, reporter=agent, **P3)
    cancel(incident, agent, 5 * MIN)
    with at(6 * MIN):
        body = client_for(agent).get(f"/api/v1/incidents/{incident.pk}/").json()
    assert {clock["target"]: clock["state"] for clock in body["sla"]} == {
        "response": "cancelled",
        "resolution": "cancelled",
    }


def test_a_resolved_incidents_clocks_still_read_met(client_for, agent, service, incident_factory):
    with at(timedelta(0)):
        incident = incident_factory(service=service, reporter=agent, assignee=agent, **P3)
    with at(5 * MIN):
        incident = services.incident_transition(incident=incident, actor=agent, action="acknowledge")
    with at(6 * MIN):
        body = client_for(agent).get(f"/api/v1/incidents/{incident.pk}/").json()
    assert {clock["target"]: clock["state"] for clock in body["sla"]}["response"] == "met"
