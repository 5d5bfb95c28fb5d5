"""Each user reads times in their own zone: the profile page sets it, every page shows it."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import roles
from core.formatting import local_minute, localize_instants, utc_minute
from core.models import UserProfile
from core.profiles import profile_update, zone_of, zones_of
from incidents import services
from incidents.tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

FILED = datetime(2026, 12, 6, 5, 5, tzinfo=UTC)  # 14:05 in Tokyo, 00:05 in New York
PROFILE = reverse("profile")
QUEUE = reverse("incidents:queue")


@pytest.fixture
def tokyo(make_user):
    user = make_user(roles.AGENT, username="tokyo")
    profile_update(user=user, time_zone="Asia/Tokyo")
    return user


@pytest.fixture
def new_york(make_user):
    user = make_user(roles.AGENT, username="newyork")
    profile_update(user=user, time_zone="America/New_York")
    return user


@pytest.fixture
def filed(agent, service):
    with time_machine.travel(FILED, tick=False):
        incident = IncidentFactory(reporter=agent, service=service, title="Card payments fail")
    with time_machine.travel(FILED + timedelta(minutes=7), tick=False):
        return services.incident_transition(incident=incident, actor=agent, action="acknowledge")


def page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_two_people_see_the_same_incident_in_their_own_zones(client, tokyo, new_york, filed):
    detail = reverse("incidents:detail", args=[filed.pk])
    with time_machine.travel(FILED + timedelta(hours=1), tick=False):
        tokyo_queue, tokyo_detail = page(client, tokyo, QUEUE), page(client, tokyo, detail)
        ny_queue, ny_detail = page(client, new_york, QUEUE), page(client, new_york, detail)
    # the queue's "created" cell tells the instant on hover, the detail page lists it
    assert 'title="2026-12-06 14:05 JST"' in tokyo_queue
    assert 'title="2026-12-06 00:05 EST"' in ny_queue
    assert "2026-12-06 14:05 JST" in tokyo_detail and "2026-12-06 14:12 JST" in tokyo_detail  # acknowledged
    assert "2026-12-06 00:05 EST" in ny_detail and "2026-12-06 00:12 EST" in ny_detail
    assert "EST" not in tokyo_detail and "JST" not in ny_detail
    # the machine-readable instant is the same for both
    stamp = re.search(r'<time datetime="([^"]+)">2026-12-06 14:05 JST', tokyo_detail).group(1)
    assert datetime.fromisoformat(stamp) == FILED


def test_without_a_choice_the_default_zone_applies(client, agent, filed, settings):
    settings.OPSDESK_DEFAULT_USER_TZ = "Europe/Berlin"
    with time_machine.travel(FILED + timedelta(hours=1), tick=False):
        html = page(client, agent, reverse("incidents:detail", args=[filed.pk]))
    assert "2026-12-06 06:05 CET" in html
    assert zone_of(agent) == ZoneInfo("Europe/Berlin")


def test_the_api_keeps_utc(client, tokyo, filed):
    client.force_login(tokyo)
    body = client.get(f"/api/v1/incidents/{filed.pk}/").json()
    assert body["created_at"] == "2026-12-06T05:05:00Z"


# --- the profile page --------------------------------------------------------------------------


def test_profile_page_is_linked_beside_the_name_and_shows_the_zone(client, tokyo):
    with time_machine.travel(FILED, tick=False):
        html = page(client, tokyo, QUEUE)
        assert f'href="{PROFILE}"' in html
        profile = page(client, tokyo, PROFILE)
    assert "Asia/Tokyo" in profile and "2026-12-06 14:05 JST" in profile  # the time there now
    assert '<option value="Asia/Tokyo" selected>' in profile
    assert '<optgroup label="America">' in profile


def test_choosing_a_zone_saves_it_and_every_page_follows(client, agent, filed):
    client.force_login(agent)
    response = client.post(PROFILE, {"time_zone": "Asia/Tokyo"})
    assert response.status_code == 302 and response["Location"] == PROFILE
    assert UserProfile.objects.get(user=agent).time_zone == "Asia/Tokyo"
    follow = client.get(PROFILE)
    assert "Times are now shown in Asia/Tokyo." in follow.content.decode()
    html = client.get(reverse("incidents:detail", args=[filed.pk])).content.decode()
    assert "2026-12-06 14:05 JST" in html
    client.post(PROFILE, {"time_zone": "America/New_York"})
    assert UserProfile.objects.get(user=agent).time_zone == "America/New_York"  # updated, not duplicated


@pytest.mark.parametrize("bad", ["Mars/Base", "", "localtime", "Asia/Tokyo; DROP TABLE"])
def test_the_profile_form_refuses_what_is_not_a_time_zone(client, tokyo, bad):
    client.force_login(tokyo)
    response = client.post(PROFILE, {"time_zone": bad})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<h1>Your profile</h1>" in html  # the styled page, the message beside the field
    assert "is not a time zone" in html or "Choose a time zone." in html
    assert UserProfile.objects.get(user=tokyo).time_zone == "Asia/Tokyo"


def test_the_service_refuses_an_unknown_zone_with_a_field_message(agent):
    from core.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        profile_update(user=agent, time_zone="Mars/Base")
    assert "time_zone" in refused.value.fields


def test_the_profile_page_needs_a_sign_in(client):
    response = client.get(PROFILE)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- cost ----------------------------------------------------------------------------------------


def test_the_zone_costs_no_query_per_request(client, tokyo, filed):
    client.force_login(tokyo)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("incidents:detail", args=[filed.pk]))
    profile_table = UserProfile._meta.db_table
    reads = [q["sql"] for q in queries.captured_queries if profile_table in q["sql"]]
    assert len(reads) == 1 and "auth_user" in reads[0]  # joined into the one query loading the user


def test_zones_of_many_users_is_one_query(tokyo, new_york, agent, django_assert_num_queries):
    from django.contrib.auth import get_user_model

    users = list(get_user_model().objects.filter(pk__in=[tokyo.pk, new_york.pk, agent.pk]))
    with django_assert_num_queries(1):
        zones = zones_of(users)
    assert zones == {
        tokyo.pk: ZoneInfo("Asia/Tokyo"),
        new_york.pk: ZoneInfo("America/New_York"),
        agent.pk: ZoneInfo("UTC"),
    }


# --- the one format --------------------------------------------------------------------------------


def test_instants_are_written_one_way():
    tokyo = ZoneInfo("Asia/Tokyo")
    assert utc_minute(FILED) == "2026-12-06 05:05 UTC"
    assert local_minute(FILED, tokyo) == "2026-12-06 14:05 JST"
    assert local_minute(FILED, ZoneInfo("Asia/Kolkata")) == "2026-12-06 10:35 IST"
    assert local_minute(None) == ""
    text = "P1 — due 2026-12-06 05:05 UTC; next 2026-12-06 23:30 UTC. Not 2026-12-06 05:05 UTCX."
    assert localize_instants(text, tokyo) == (
        "P1 — due 2026-12-06 14:05 JST; next 2026-12-07 08:30 JST. Not 2026-12-06 05:05 UTCX."
    )
