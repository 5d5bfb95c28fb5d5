"""API rate limits (core/api/throttling.py): counted per window in the shared cache, answered with 429
and how long to wait; a new window starts a new count."""

import datetime

import pytest
import time_machine

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 12, 7, 9, 0, 10, tzinfo=datetime.UTC)


def test_past_the_rate_a_client_is_told_to_wait_until_the_window_ends(limited, client_for, agent):
    api = client_for(agent)
    with time_machine.travel(START, tick=False):
        codes = [api.get("/api/v1/incidents/").status_code for _ in range(4)]
        refused = api.get("/api/v1/incidents/")
    assert codes == [200, 200, 200, 429]
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert refused["Retry-After"] == "50"  # the minute started 10 s ago


def test_the_next_window_counts_afresh_and_each_user_has_a_budget(limited, client_for, agent, manager):
    api = client_for(agent)
    with time_machine.travel(START, tick=False):
        assert [api.get("/api/v1/incidents/").status_code for _ in range(4)][-1] == 429
        assert client_for(manager).get("/api/v1/incidents/").status_code == 200
    with time_machine.travel(START + datetime.timedelta(seconds=50), tick=False):
        assert api.get("/api/v1/incidents/").status_code == 200


def test_a_count_is_one_atomic_step_and_expires(settings):
    """core/cache.py's count(): what two web processes (two clients of one Redis) count adds up, and the
    key lives only as long as asked."""
    from core.cache import RedisCache

    shared = settings.CACHES["shared"]
    first, second = (RedisCache(shared["LOCATION"], {"KEY_PREFIX": shared["KEY_PREFIX"]}) for _ in range(2))
    counts = [cache.count("test:count", 30) for cache in (first, second, first)]
    assert counts == [1, 2, 3]
    client = first._cache.get_client(write=True)
    assert 0 < client.ttl(first.make_and_validate_key("test:count")) <= 30
    assert first.get("test:count") == 3  # readable as Django's cache reads integers
