"""The shared cache (login failures, API throttles) lives in Redis, next to the broker's queues: tests
empty it by key prefix, never with FLUSHDB."""

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from core.login_throttle import CACHE_ALIAS


def clear_shared_cache() -> None:
    cache = caches[CACHE_ALIAS]
    if not isinstance(cache, RedisCache):
        cache.clear()
        return
    client = cache._cache.get_client(None, write=True)
    prefix = settings.CACHES[CACHE_ALIAS]["KEY_PREFIX"]
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
