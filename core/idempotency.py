"""`Idempotency-Key`: a client retrying a request sends the same key, and the retry must not act twice.

A write that depends on the record's state pins, under the key, the state it saw the first time
(`first_seen`, in the shared cache for `OPSDESK_IDEMPOTENCY_SECONDS`, 24 h by default). A retry
finds the pinned state; if the record has moved on since, the first attempt did its work and the retry
only reports the outcome. Call it while holding the record's row lock, so two attempts with one key
run one after the other."""

from typing import Any

from django.conf import settings
from django.core.cache import caches

from core.login_throttle import CACHE_ALIAS

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def first_seen(*, scope: str, key: str, value: Any) -> Any:
    """The `value` stored under (`scope`, `key`) by its first call; this call's `value` if it is the first."""
    cache = caches[CACHE_ALIAS]
    cache_key = f"idempotency:{scope}:{key}"
    cache.add(cache_key, value, timeout=settings.OPSDESK_IDEMPOTENCY_SECONDS)
    stored = cache.get(cache_key)
    return value if stored is None else stored
