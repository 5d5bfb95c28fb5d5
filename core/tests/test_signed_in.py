"""core/signed_in.py and core/sessions.py: the session, then the signed-in user with their time zone and
roles, each in one statement, by session and by API token; what is wrong with a session, a token or an
account still signs nobody in."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from core import roles
from core.profiles import profile_update, zone_of
from core.signed_in import user_by_id, user_by_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(make_user):
    user = make_user(roles.AGENT, roles.VIEWER, username="signed-in")
    profile_update(user=user, time_zone="Asia/Tokyo")
    return user


def test_one_statement_reads_the_user_their_zone_and_their_roles(agent):
    with CaptureQueriesContext(connection) as queries:
        user = user_by_id(agent.pk)
        assert (user.pk, user.username, user.is_active) == (agent.pk, "signed-in", True)
        assert roles.roles_of(user) == {roles.AGENT, roles.VIEWER}
        assert zone_of(user) == ZoneInfo("Asia/Tokyo")
    assert len(queries) == 1


def test_a_user_without_profile_or_role(make_user):
    plain = make_user(username="no-role")
    with CaptureQueriesContext(connection) as queries:
        user = user_by_id(plain.pk)
        assert roles.roles_of(user) == frozenset()
        zone_of(user)  # the default zone, without a query for the missing profile
    assert len(queries) == 1
    assert user_by_id(999_999) is None


def test_a_token_names_its_user(agent):
    token = Token.objects.create(user=agent)
    user, read = user_by_token(token.key)
    assert (user.pk, read.key, read.user_id, read.created) == (agent.pk, token.key, agent.pk, token.created)
    assert roles.roles_of(user) == {roles.AGENT, roles.VIEWER}
    assert user_by_token("not-a-token") is None


def test_the_api_refuses_an_unknown_token_and_a_deactivated_account(client, agent):
    token = Token.objects.create(user=agent)
    assert client.get("/api/v1/incidents/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200
    assert client.get("/api/v1/incidents/", HTTP_AUTHORIZATION="Token nope").status_code == 401
    agent.is_active = False
    agent.save()
    assert client.get("/api/v1/incidents/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 401


def test_a_session_signs_in_with_roles_and_a_deactivated_account_is_signed_out(client, agent):
    client.force_login(agent)
    assert client.get("/incidents/").status_code == 200
    agent.is_active = False
    agent.save()
    assert client.get("/incidents/").status_code == 302  # to the sign-in page


def test_an_expired_or_forged_session_signs_nobody_in(client, agent):
    client.force_login(agent)
    assert client.get("/incidents/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get("/incidents/").status_code == 302
    client.force_login(agent)
    client.cookies["sessionid"] = "x" * 40  # no such session
    assert client.get("/incidents/").status_code == 302
    client.cookies["sessionid"] = "bad key!"  # not even a key's shape
    assert client.get("/incidents/").status_code == 302
