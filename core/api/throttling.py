"""DRF rate limits counted in the shared cache (Redis when configured), so every web process spends
one budget. The client address follows REST_FRAMEWORK["NUM_PROXIES"] (OPSDESK_TRUSTED_PROXIES)."""

from django.core.cache import caches
from django.utils.connection import ConnectionProxy
from rest_framework import throttling

from core.login_throttle import CACHE_ALIAS

shared_cache = ConnectionProxy(caches, CACHE_ALIAS)  # per thread, like django.core.cache.cache


class AnonRateThrottle(throttling.AnonRateThrottle):
    cache = shared_cache


class UserRateThrottle(throttling.UserRateThrottle):
    cache = shared_cache


class LoginRateThrottle(throttling.SimpleRateThrottle):
    """Password exchanges per client address, whoever the request claims to be."""

    scope = "anon"
    cache = shared_cache

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": "login", "ident": self.get_ident(request)}
