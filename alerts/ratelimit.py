"""Per-integration rate limit: a fixed one-minute window counted in the shared cache (Redis when
REDIS_URL is set, so every web process counts together; settings CACHES["alerts"])."""

import math
import time

from django.core.cache import InvalidCacheBackendError, caches

WINDOW_SECONDS = 60


def _cache():
    try:
        return caches["alerts"]
    except InvalidCacheBackendError:
        return caches["default"]


def retry_after(*, bucket: str, limit: int, now: float | None = None) -> int | None:
    """Count one request against `bucket` (an integration's key); None if it is within `limit` per
    minute, else the seconds to wait."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    key = f"alerts:rate:{bucket}:{window}"
    cache = _cache()
    cache.add(key, 0, timeout=WINDOW_SECONDS + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=WINDOW_SECONDS + 5)
        count = 1
    if count <= limit:
        return None
    return max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
