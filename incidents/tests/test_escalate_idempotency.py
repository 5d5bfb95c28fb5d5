"""A retried manual escalation never fires a further level: the API wants the level the client saw
(`level`) or an Idempotency-Key; a retry with the same key reports the incident and fires nothing."""

import threading

import pytest
from django.db import connection

from incidents.models import Level
from incidents.tests.factories import IncidentFactory
from sla.selectors import escalation_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def p1(agent, service):
    """The default P1 escalation policy has three levels a person may fire now."""
    return IncidentFactory(reporter=agent, service=service, impact=Level.HIGH, urgency=Level.HIGH)


def url(incident) -> str:
    return f"/api/v1/incidents/{incident.pk}/escalate/"


def level_of(incident) -> int:
    return escalation_of(incident).level


def test_without_level_or_key_nothing_fires_and_the_client_is_told_why(client_for, agent, p1):
    response = client_for(agent).post(url(p1), {"note": "Help"}, format="json")
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["fields"]["level"][0]
    assert level_of(p1) == 0


def test_a_retry_with_the_same_key_fires_nothing_more(client_for, agent, p1):
    api = client_for(agent)
    first = api.post(url(p1), {"note": "Help"}, format="json", HTTP_IDEMPOTENCY_KEY="esc-1")
    retry = api.post(url(p1), {"note": "Help"}, format="json", HTTP_IDEMPOTENCY_KEY="esc-1")
    assert first.status_code == retry.status_code == 200
    assert first.json()["escalation_level"] == retry.json()["escalation_level"] == 1
    assert level_of(p1) == 1
    again = api.post(url(p1), {"note": "Still stuck"}, format="json", HTTP_IDEMPOTENCY_KEY="esc-2")
    assert again.json()["escalation_level"] == 2  # a new key is a new request


def test_a_key_is_the_clients_own(client_for, agent, manager, p1):
    client_for(agent).post(url(p1), {}, format="json", HTTP_IDEMPOTENCY_KEY="same")
    other = client_for(manager).post(url(p1), {}, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert other.json()["escalation_level"] == 2


def test_a_retry_after_a_refused_attempt_tries_again(client_for, agent, p1):
    api = client_for(agent)
    for level in range(3):
        api.post(url(p1), {"level": level}, format="json")
    refused = api.post(url(p1), {}, format="json", HTTP_IDEMPOTENCY_KEY="late")
    retry = api.post(url(p1), {}, format="json", HTTP_IDEMPOTENCY_KEY="late")
    assert refused.status_code == retry.status_code == 409
    assert retry.json()["code"] == "no_escalation_level"


def test_a_retry_with_the_level_seen_gets_a_409_not_a_second_level(client_for, agent, p1):
    api = client_for(agent)
    assert api.post(url(p1), {"level": 0}, format="json").status_code == 200
    retry = api.post(url(p1), {"level": 0}, format="json")
    assert retry.status_code == 409 and retry.json()["code"] == "escalated_meanwhile"
    assert level_of(p1) == 1


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_attempts_with_one_key_fire_one_level(client_for, agent, service):
    incident = IncidentFactory(reporter=agent, service=service, impact=Level.HIGH, urgency=Level.HIGH)
    codes = []

    def attempt():
        try:
            response = client_for(agent).post(url(incident), {}, format="json", HTTP_IDEMPOTENCY_KEY="twin")
            codes.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [200, 200]
    assert level_of(incident) == 1
