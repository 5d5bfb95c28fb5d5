"""Brute force on either login path is refused after a handful of attempts, per account and per client
address, counted where every web process sees it (Redis), with a clear message and Retry-After."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from django.test import Client, override_settings
from rest_framework.test import APIClient

from core.login_throttle import failure_counts

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
LIMIT = settings.OPSDESK_LOGIN_FAILURES_PER_ACCOUNT


def form_login(client, username, password, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def token_login(client, username, password, **extra):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json", **extra)


def test_the_login_form_locks_the_account_after_the_limit(agent):
    codes = [form_login(Client(), "agent", "guess").status_code for _ in range(LIMIT)]
    assert codes == [200] * (LIMIT - 1) + [429]

    response = form_login(Client(), "agent", "opsdesk")  # the right password, too late
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= settings.OPSDESK_LOGIN_LOCKOUT_SECONDS
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


def test_the_lock_ends_after_the_lockout_period(agent):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        for _ in range(LIMIT):
            form_login(Client(), "agent", "guess")
        assert form_login(Client(), "agent", "opsdesk").status_code == 429
        clock.shift(dt.timedelta(seconds=settings.OPSDESK_LOGIN_LOCKOUT_SECONDS + 1))
        response = form_login(Client(), "agent", "opsdesk")
    assert response.status_code == 302 and response["Location"] == "/incidents/"


def test_the_token_endpoint_locks_the_account_with_a_json_429(agent):
    client = APIClient()
    codes = [token_login(client, "agent", "guess").status_code for _ in range(LIMIT)]
    assert codes == [400] * (LIMIT - 1) + [429]

    response = token_login(APIClient(), "agent", "opsdesk")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert body["status"] == 429 and body["code"] == "login_locked"
    assert "Too many failed sign-in attempts" in body["message"]


def test_both_paths_count_against_one_account(agent):
    for _ in range(LIMIT - 1):
        form_login(Client(), "agent", "guess")
    assert token_login(APIClient(), "agent", "guess").status_code == 429
    assert form_login(Client(), "agent", "opsdesk").status_code == 429


def test_a_success_clears_the_accounts_failures(agent):
    for _ in range(LIMIT - 1):
        form_login(Client(), "agent", "guess")
    assert form_login(Client(), "agent", "opsdesk").status_code == 302
    assert failure_counts(username="agent", address="127.0.0.1")["account"] == 0
    assert form_login(Client(), "agent", "guess").status_code == 200  # counting starts again


@override_settings(OPSDESK_LOGIN_FAILURES_PER_ADDRESS=8)
def test_one_address_trying_many_accounts_is_locked_out(agent, make_user):
    for number in range(7):
        assert form_login(Client(), f"nobody{number}", "guess").status_code == 200
    assert form_login(Client(), "nobody7", "guess").status_code == 429
    assert form_login(Client(), "agent", "opsdesk").status_code == 429  # from that address
    response = form_login(Client(), "agent", "opsdesk", REMOTE_ADDR="10.1.2.3")  # elsewhere
    assert response.status_code == 302


@override_settings(OPSDESK_LOGIN_FAILURES_PER_ADDRESS=3)
def test_a_forged_forwarded_for_header_does_not_change_the_address_without_proxies(agent):
    for number in range(3):
        form_login(Client(), f"nobody{number}", "guess", HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")
    response = form_login(Client(), "agent", "opsdesk", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 429


@override_settings(OPSDESK_LOGIN_FAILURES_PER_ADDRESS=3, OPSDESK_TRUSTED_PROXIES=1)
def test_behind_one_trusted_proxy_the_address_it_appended_counts(agent):
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for number in range(3):  # the client forges a first entry; the proxy appends the real address
        form_login(
            Client(), f"nobody{number}", "guess", HTTP_X_FORWARDED_FOR=f"1.1.1.{number}, 203.0.113.9", **proxy
        )
    assert failure_counts(username="x", address="203.0.113.9")["address"] == 3
    locked = form_login(Client(), "agent", "opsdesk", HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy)
    assert locked.status_code == 429
    other = form_login(Client(), "agent", "opsdesk", HTTP_X_FORWARDED_FOR="203.0.113.10", **proxy)
    assert other.status_code == 302


def test_the_counts_live_in_the_shared_store_every_process_reads(agent):
    """Another web process is another cache connection: a fresh client of the same Redis sees the count."""
    for _ in range(2):
        token_login(APIClient(), "agent", "guess")
    shared = settings.CACHES["shared"]
    assert shared["BACKEND"] == "core.cache.RedisCache"
    other_process = RedisCache(shared["LOCATION"], {"KEY_PREFIX": shared["KEY_PREFIX"]})  # Django's own
    window = settings.OPSDESK_LOGIN_LOCKOUT_SECONDS
    import time

    window_start = int(time.time() // window * window)
    assert other_process.get(f"login:failures:account:agent:{window_start}") == 2
    assert other_process.get(f"login:failures:address:127.0.0.1:{window_start}") == 2


def test_a_valid_token_does_not_skip_the_token_endpoints_throttle(client_for, agent):
    api = client_for(agent)  # sends "Authorization: Token <valid key>"
    rate = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"].split("/")[0])
    codes = [token_login(api, "agent", "opsdesk").status_code for _ in range(rate + 1)]
    assert codes[:rate] == [200] * rate
    assert codes[rate] == 429
    response = token_login(APIClient(), "agent", "opsdesk")  # the same address, no token
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_the_admin_login_is_behind_the_same_lock(agent):
    for _ in range(LIMIT):
        form_login(Client(), "agent", "guess")
    response = Client().post("/admin/login/", {"username": "agent", "password": "opsdesk"})
    assert response.status_code == 200  # the admin's own form, refusing
    assert "_auth_user_id" not in response.wsgi_request.session


def test_an_operator_can_lift_a_lock(agent):
    from django.core.management import call_command

    for _ in range(LIMIT):
        form_login(Client(), "agent", "guess")
    assert form_login(Client(), "agent", "opsdesk").status_code == 429
    call_command("unlock_login", username="agent")
    assert form_login(Client(), "agent", "opsdesk").status_code == 302
