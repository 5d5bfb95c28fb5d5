"""API rate limits (core/api/throttling.py): counted per window in the shared cache, answered with 429
and how long to wait; a new window starts a new count."""

import datetime

import pytest
import time_machine

from core.api.throttling import UserRateThrottle
from incidents.api.views import IncidentViewSet

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 12, 7, 9, 0, 10, tzinfo=datetime.UTC)


class ThreePerMinute(UserRateThrottle):
    rate = "3/min"


@pytest.fixture
def limited(monkeypatch):
    monkeypatch.setattr(IncidentViewSet, "throttle_classes", [ThreePerMinute])


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
