"""DRF rate limits counted in the shared cache (Redis when configured), so every web process spends
one budget. The client address follows REST_FRAMEWORK["NUM_PROXIES"] (OPSDESK_TRUSTED_PROXIES)."""

from django.core.cache import caches
from django.utils.connection import ConnectionProxy
from rest_framework import throttling

from core.login_throttle import CACHE_ALIAS
from core.window_counts import increment, window_start

shared_cache = ConnectionProxy(caches, CACHE_ALIAS)  # per thread, like django.core.cache.cache


class WindowCountMixin:
    """A rate ("6000/min") counted per fixed window of its period (the clock's minute, hour or day) by
    one atomic increment, instead of DRF's list of every request's time in the last period, read,
    trimmed and written back whole on each request: at 6,000/min that is up to 6,000 timestamps each
    way per request, and two processes writing the list at once each drop the other's request. A
    refused request says how long until its window ends (`Retry-After`)."""

    cache = shared_cache

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        start = window_start(self.duration, now)
        self.seconds_left = start + self.duration - now
        count = increment(self.cache, f"{self.key}:{start}", timeout=self.duration * 2)
        return count <= self.num_requests

    def wait(self) -> float:
        return self.seconds_left


class AnonRateThrottle(WindowCountMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(WindowCountMixin, throttling.UserRateThrottle):
    pass


class LoginRateThrottle(WindowCountMixin, throttling.SimpleRateThrottle):
    """Password exchanges per client address, whoever the request claims to be."""

    scope = "anon"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": "login", "ident": self.get_ident(request)}
