"""Brute-force protection for every password login: the browser form, the admin and the API token.

Failed attempts are counted per account and per client address in the shared cache (`shared`:
Redis when REDIS_URL is set), so every web process sees the same counts. Reaching a limit within the
window locks the account, or the address, for `OPSDESK_LOGIN_LOCKOUT_SECONDS`; while locked even the
right password is refused, and the views answer 429 with `Retry-After`.

The client address is REMOTE_ADDR, or with `OPSDESK_TRUSTED_PROXIES` = N the address the outermost
of N trusted proxies appended to X-Forwarded-For (what DRF's NUM_PROXIES does), so a client cannot
pick its own address by sending the header. Counters sit in fixed windows keyed by the window's start
and a lock stores the time it ends, so the arithmetic follows the application clock."""

import math
import time

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import caches
from django.core.exceptions import PermissionDenied

from core.profiles import ProfileBackendMixin
from core.window_counts import increment, window_start

CACHE_ALIAS = "shared"
KEY_PREFIX = "login"
REQUEST_ATTRIBUTE = "login_retry_after"  # seconds, set on the request a lock refused


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = settings.OPSDESK_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if not forwarded:
        return remote
    return forwarded[-min(proxies, len(forwarded))]


def _limits() -> dict[str, int]:
    return {
        "account": settings.OPSDESK_LOGIN_FAILURES_PER_ACCOUNT,
        "address": settings.OPSDESK_LOGIN_FAILURES_PER_ADDRESS,
    }


MAX_SUBJECT_LENGTH = 200  # usernames are at most 150 characters; longer input is still counted, cut


def _subjects(*, username: str, address: str) -> dict[str, str]:
    return {
        "account": username.strip().casefold()[:MAX_SUBJECT_LENGTH],
        "address": address[:MAX_SUBJECT_LENGTH],
    }


def _lock_key(kind: str, subject: str) -> str:
    return f"{KEY_PREFIX}:lock:{kind}:{subject}"


def _counter_key(kind: str, subject: str, start: int) -> str:
    return f"{KEY_PREFIX}:failures:{kind}:{subject}:{start}"


def seconds_locked(*, username: str, address: str) -> int:
    """Seconds until neither the account nor the address is locked; 0 when logins may proceed."""
    cache = caches[CACHE_ALIAS]
    keys = [
        _lock_key(kind, subject) for kind, subject in _subjects(username=username, address=address).items()
    ]
    until = max(cache.get_many(keys).values(), default=0)
    return max(0, math.ceil(until - time.time()))


def failure_counts(*, username: str, address: str) -> dict[str, int]:
    """Failures counted in the current window: {"account": n, "address": m}."""
    start = window_start(settings.OPSDESK_LOGIN_LOCKOUT_SECONDS)
    subjects = _subjects(username=username, address=address)
    keys = {kind: _counter_key(kind, subject, start) for kind, subject in subjects.items()}
    found = caches[CACHE_ALIAS].get_many(list(keys.values()))
    return {kind: found.get(key, 0) for kind, key in keys.items()}


def record_failure(*, username: str, address: str) -> int:
    """Count a failed attempt; returns the seconds of lockout it started (0 when none)."""
    cache = caches[CACHE_ALIAS]
    window = settings.OPSDESK_LOGIN_LOCKOUT_SECONDS
    now = time.time()
    start = window_start(window, now)
    limits = _limits()
    locked = 0
    for kind, subject in _subjects(username=username, address=address).items():
        if increment(cache, _counter_key(kind, subject, start), timeout=window * 2) >= limits[kind]:
            cache.set(_lock_key(kind, subject), now + window, timeout=window * 2)
            locked = window
    return locked


def record_success(*, username: str) -> None:
    """The account's owner got in: its failures so far no longer count (the address's still do)."""
    start = window_start(settings.OPSDESK_LOGIN_LOCKOUT_SECONDS)
    account = _subjects(username=username, address="")["account"]
    caches[CACHE_ALIAS].delete(_counter_key("account", account, start))


def unlock(*, username: str = "", address: str = "") -> None:
    """Lift the lock of an account and/or an address and forget their failures in this window
    (`manage.py unlock_login`)."""
    cache = caches[CACHE_ALIAS]
    start = window_start(settings.OPSDESK_LOGIN_LOCKOUT_SECONDS)
    for kind, subject in _subjects(username=username, address=address.strip()).items():
        if subject:
            cache.delete_many([_lock_key(kind, subject), _counter_key(kind, subject, start)])


def lockout_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many failed sign-in attempts for this account or from your address. Try again in {minutes} {unit}."


class ThrottledModelBackend(ProfileBackendMixin, ModelBackend):
    """Django's username/password backend behind the lockout. A refused attempt raises PermissionDenied
    (authenticate() then stops trying backends) and leaves the wait on the request for the view. The
    signed-in user comes with their profile (their time zone, core/profiles.py) in the same query."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or username is None:  # not a login request (scripts, test clients' login())
            return super().authenticate(request, username=username, password=password, **kwargs)
        address = client_address(request)
        wait = seconds_locked(username=username, address=address)
        if wait:
            setattr(request, REQUEST_ATTRIBUTE, wait)
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            wait = record_failure(username=username, address=address)
            if wait:
                setattr(request, REQUEST_ATTRIBUTE, wait)
        else:
            record_success(username=username)
        return user
