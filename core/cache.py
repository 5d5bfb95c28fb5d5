"""Django's Redis cache for the caches every process shares (settings.CACHES "shared" and "alerts"), with
two differences measured on every API request (its rate limit is counted here):

- one `redis.Redis` client per connection pool, where Django builds a new one for every operation
  (~0.1 ms: the client fills its table of ~170 response callbacks each time); clients are thread-safe
  and take a connection from the pool per command, as before;
- `count(key, timeout)`: add one and return the new count, creating the key with its expiry, in one
  round trip (INCR, then EXPIRE NX, pipelined); Django's `incr()` asks whether the key exists first and
  cannot create it (core/window_counts.py).

And one more: when Redis cannot be reached, it answers as an empty cache that keeps nothing, instead of
raising: every API request counts its rate limit here, so a Redis outage failed every request with a 500
(found by `python -m bench outage`). Meanwhile rate limits and login lockouts count nothing and
idempotency keys pin nothing; a warning is logged, and after a failure the process leaves Redis alone for
NUDGE_BREAKER_SECONDS (the breaker of core/nudge.py), so requests do not each wait for a connection
that fails. Connections time out after OPSDESK_BROKER_CONNECT_TIMEOUT / _SOCKET_TIMEOUT (settings.CACHES)."""

import functools
import logging

from django.core.cache.backends import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.nudge import Breaker

logger = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
breaker = Breaker(recovered="shared cache: Redis answers again")


def _unless_unreachable(answer):
    """The method, or `answer(*args, **kwargs)` (what an empty cache that keeps nothing answers) when
    Redis cannot be reached or recently could not."""

    def decorate(method):
        @functools.wraps(method)
        def call(self, *args, **kwargs):
            if not breaker.allow():
                return answer(*args, **kwargs)
            try:
                result = method(self, *args, **kwargs)
            except UNREACHABLE:
                breaker.failed()
                logger.warning(
                    "shared cache: Redis unreachable; answering as an empty cache for %g s (%s)",
                    breaker.window(),
                    method.__name__,
                    exc_info=True,
                )
                return answer(*args, **kwargs)
            breaker.succeeded()
            return result

        return call

    return decorate


def _default(key, default=None, *args, **kwargs):
    return default


def _nothing(*args, **kwargs):
    return None


def _refused(*args, **kwargs):
    return False


class _Client(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def count(self, key, timeout: int) -> int:
        pipeline = self.get_client(key, write=True).pipeline(transaction=False)
        pipeline.incr(key)
        pipeline.expire(key, timeout, nx=True)
        return pipeline.execute()[0]


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _Client

    @_unless_unreachable(lambda *args, **kwargs: 0)
    def count(self, key: str, timeout: int, version=None) -> int:
        """Add one to the integer at `key` (0 when missing) and return it; a new key lives `timeout` s.
        0 while Redis is unreachable: nothing was counted."""
        return self._cache.count(self.make_and_validate_key(key, version=version), int(timeout))

    get = _unless_unreachable(_default)(redis.RedisCache.get)
    get_many = _unless_unreachable(lambda *args, **kwargs: {})(redis.RedisCache.get_many)
    has_key = _unless_unreachable(_refused)(redis.RedisCache.has_key)
    add = _unless_unreachable(_refused)(redis.RedisCache.add)
    set = _unless_unreachable(_nothing)(redis.RedisCache.set)
    set_many = _unless_unreachable(lambda *args, **kwargs: [])(redis.RedisCache.set_many)
    touch = _unless_unreachable(_refused)(redis.RedisCache.touch)
    delete = _unless_unreachable(_refused)(redis.RedisCache.delete)
    delete_many = _unless_unreachable(_nothing)(redis.RedisCache.delete_many)
