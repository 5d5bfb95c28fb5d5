"""Django's Redis cache for the caches every process shares (settings.CACHES "shared" and "alerts"), with
two differences measured on every API request (its rate limit is counted here):

- one `redis.Redis` client per connection pool, where Django builds a new one for every operation
  (~0.1 ms: the client fills its table of ~170 response callbacks each time); clients are thread-safe
  and take a connection from the pool per command, as before;
- `count(key, timeout)`: add one and return the new count, creating the key with its expiry, in one
  round trip (INCR, then EXPIRE NX, pipelined); Django's `incr()` asks whether the key exists first and
  cannot create it (core/window_counts.py)."""

from django.core.cache.backends import redis


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

    def count(self, key: str, timeout: int, version=None) -> int:
        """Add one to the integer at `key` (0 when missing) and return it; a new key lives `timeout` s."""
        return self._cache.count(self.make_and_validate_key(key, version=version), int(timeout))
