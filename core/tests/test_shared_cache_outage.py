"""A Redis outage does not fail requests through the shared caches (core/cache.py): the API's rate
limits, the login lockout and idempotency keys are kept there, and every API request counts its rate
limit. While Redis is unreachable the caches answer as empty ones that keep nothing, and after one
failure the process leaves Redis alone for the breaker's window (no connection attempt per request).

The caches are the app's own backend with its own options, pointed at a closed local port (connection
refused) or at a listener that accepts and drops connections, counting them."""

import pytest
from django.urls import reverse

from core import cache as shared_cache
from core.tests.test_nudge import DroppingBroker, closed_port_url

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


def point_redis_caches_at(settings, url: str) -> None:
    """The app's Redis caches, with their options, at `url` instead of the running Redis."""
    if settings.CACHES["shared"]["BACKEND"] != "core.cache.RedisCache":
        pytest.skip("the shared cache is Redis only with REDIS_URL set")
    settings.CACHES = {
        alias: {**config, "LOCATION": url} if config["BACKEND"] == "core.cache.RedisCache" else config
        for alias, config in settings.CACHES.items()
    }


@pytest.fixture
def breaker():
    shared_cache.breaker.reset()
    yield shared_cache.breaker
    shared_cache.breaker.reset()


def test_the_api_answers_while_redis_is_down(limited, client_for, agent, service, breaker, settings):
    point_redis_caches_at(settings, closed_port_url())
    api = client_for(agent)
    created = api.post(URL, {"title": "Disk full", "service": service.pk}, format="json")
    assert created.status_code == 201, created.content
    for _ in range(5):  # beyond the rate: nothing can be counted while Redis is away
        assert api.get(URL).status_code == 200
    assert breaker.is_open and breaker.failures == 1  # one failed attempt, the rest skipped


def test_login_works_while_redis_is_down(client, agent, breaker, settings):
    point_redis_caches_at(settings, closed_port_url())
    agent.set_password("correct horse")
    agent.save()
    login = reverse("login")
    assert client.post(login, {"username": agent.username, "password": "wrong"}).status_code == 200
    response = client.post(login, {"username": agent.username, "password": "correct horse"})
    assert response.status_code == 302


def test_a_hung_redis_is_tried_once_per_window(limited, client_for, agent, breaker, settings):
    """A Redis that accepts and drops connections: the first request finds out, the next ones skip it."""
    dropping = DroppingBroker()
    try:
        point_redis_caches_at(settings, dropping.url)
        api = client_for(agent)
        for _ in range(5):
            assert api.get(URL).status_code == 200  # over the rate, counted nowhere
        tried = dropping.accepted
        assert 1 <= tried <= 3  # redis-py may retry a dropped connection; not once per request
        assert breaker.is_open
    finally:
        dropping.close()
