"""Counts in fixed time windows, kept in a cache shared by every process (login failures, API rates)."""

import time

from django.core.cache import BaseCache


def window_start(seconds: int, now: float | None = None) -> int:
    """The start (a Unix time) of the `seconds`-long window `now` (default: the current time) falls in."""
    now = time.time() if now is None else now
    return int(now // seconds * seconds)


def increment(cache: BaseCache, key: str, *, timeout: float) -> int:
    """Add one to the count at `key` and return the new count: one atomic increment once the key exists
    (two processes counting at once both count); the first count creates it, living `timeout` seconds.
    In Redis (core/cache.py) one round trip; in another cache, Django's incr() and add()."""
    if hasattr(cache, "count"):
        return cache.count(key, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # the window's first count
        if cache.add(key, 1, timeout=timeout):
            return 1
        return cache.incr(key)  # another process added it first
