"""The dashboard's short cache of computed figures (reports/figures_cache.py), on the real Redis."""

import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from reports.figures_cache import CACHE_ALIAS, figures_key, recomputing_key, viewer_scope
from reports.forms import SlaFilterForm

from .conftest import FIRST_DAY, LAST_DAY, NOW, at

pytestmark = [pytest.mark.django_db, pytest.mark.urls("reports.tests.urls")]

PAGE = "/dashboards/sla/"


def _shared_cache(location: str) -> dict:
    return {
        **settings.CACHES,
        "shared": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",  # nothing left over from another test or run
        },
    }


@pytest.fixture
def cached():
    with override_settings(OPSDESK_DASHBOARD_CACHE_SECONDS=60, CACHES=_shared_cache(settings.REDIS_URL)):
        yield


@pytest.fixture
def browser(client, manager):
    client.force_login(manager)
    return client


def shown(response) -> tuple[int, str]:
    """(incidents of the period, "Figures as of" time) as the page shows them."""
    assert response.status_code == 200
    html = response.content.decode()
    incidents = re.search(r"\((\d+) incidents?, cancelled ones left out\)", html)
    as_of = re.search(r"Figures as of <time [^>]*>([0-9:]+)</time>", html)
    return int(incidents.group(1)), as_of.group(1)


def get(browser, when, **params):
    query = {"from": FIRST_DAY.isoformat(), "to": LAST_DAY.isoformat(), **params}
    with time_machine.travel(when, tick=False), CaptureQueriesContext(connection) as captured:
        response = browser.get(PAGE, query)
    return shown(response), len(captured)


def test_figures_are_kept_for_a_minute_then_computed_again(story, browser, cached):
    story.file("A1", at(2, 9), 1)
    (first, queries) = get(browser, NOW)
    assert first == (1, "10:00")

    story.file("A2", at(3, 9), 2)  # filed meanwhile: not shown until the figures expire
    (again, cached_queries) = get(browser, NOW + timedelta(seconds=59))
    assert again == (1, "10:00")
    assert cached_queries < queries - 5  # no figure recomputed: the session, the user and the form only

    assert get(browser, NOW + timedelta(seconds=61))[0] == (2, "10:01")


def test_each_period_service_and_page_has_its_own_figures(story, browser, cached, identity):
    story.file("A1", at(2, 9), 1)
    story.file("X1", at(2, 10), 1, service=identity)
    assert get(browser, NOW)[0] == (2, "10:00")
    assert get(browser, NOW, service=str(identity.pk))[0] == (1, "10:00")
    story.file("X2", at(4, 10), 1, service=identity)
    later = NOW + timedelta(seconds=30)
    assert get(browser, later, service=str(identity.pk))[0] == (1, "10:00")  # kept
    assert get(browser, later, service=str(identity.pk), breaches_page="2")[0] == (2, "10:00")  # new key
    assert get(browser, later, to=(LAST_DAY - timedelta(days=1)).isoformat())[0] == (3, "10:00")


def test_off_when_the_setting_is_zero(story, browser):
    story.file("A1", at(2, 9), 1)
    with override_settings(OPSDESK_DASHBOARD_CACHE_SECONDS=0, CACHES=_shared_cache(settings.REDIS_URL)):
        assert get(browser, NOW)[0] == (1, "10:00")
        story.file("A2", at(3, 9), 2)
        assert get(browser, NOW + timedelta(seconds=1))[0] == (2, "10:00")


def test_an_unreachable_cache_still_shows_the_figures(story, browser):
    story.file("A1", at(2, 9), 1)
    with override_settings(OPSDESK_DASHBOARD_CACHE_SECONDS=60, CACHES=_shared_cache("redis://127.0.0.1:1/0")):
        assert get(browser, NOW)[0] == (1, "10:00")
        story.file("A2", at(3, 9), 2)
        assert get(browser, NOW + timedelta(seconds=1))[0] == (2, "10:00")


def test_older_figures_are_shown_while_another_worker_recomputes_them(story, browser, cached, manager):
    story.file("A1", at(2, 9), 1)
    assert get(browser, NOW)[0] == (1, "10:00")
    story.file("A2", at(3, 9), 2)
    form = SlaFilterForm({"from": FIRST_DAY.isoformat(), "to": LAST_DAY.isoformat()}, today=NOW.date())
    assert form.is_valid()
    with time_machine.travel(NOW, tick=False):
        key = figures_key(scope=viewer_scope(manager), **form.metrics_kwargs())
    cache = caches[CACHE_ALIAS]
    assert cache.add(recomputing_key(key), 1, 60)  # another worker is recomputing them

    (older, queries) = get(browser, NOW + timedelta(seconds=90))
    assert older == (1, "10:00")  # what the cache holds, with its time
    cache.delete(recomputing_key(key))  # its recomputation ends (here without result)

    assert get(browser, NOW + timedelta(seconds=91))[0] == (2, "10:01")
    assert get(browser, NOW + timedelta(seconds=92)) == ((2, "10:01"), queries)  # kept again
