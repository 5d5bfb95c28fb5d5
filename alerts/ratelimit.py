"""Per-integration rate limit: a fixed one-minute window counted in the shared cache (Redis when
REDIS_URL is set, so every web process counts together; settings CACHES["alerts"])."""

import math
import time

from django.core.cache import InvalidCacheBackendError, caches

from core.window_counts import increment, window_start

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
    start = window_start(WINDOW_SECONDS, now)
    key = f"alerts:rate:{bucket}:{start // WINDOW_SECONDS}"
    if increment(_cache(), key, timeout=WINDOW_SECONDS + 5) <= limit:
        return None
    return max(1, math.ceil(start + WINDOW_SECONDS - now))
