"""Ask a worker to act promptly once the current transaction commits.

A nudge is only a shortcut: the durable record (a deadline or an outbox row) is already in
PostgreSQL and a beat sweep will act on it anyway. So a broker that is down or slow must never
fail or delay the user's request:

- publishing errors are logged and swallowed;
- the producer gives up after one connection attempt with a short connect timeout
  (`CELERY_BROKER_TRANSPORT_OPTIONS`, settings `OPSDESK_BROKER_*`), instead of kombu's default of
  retrying for several seconds;
- a circuit breaker: after a nudge failed to reach the broker, this process skips nudges for
  `NUDGE_BREAKER_SECONDS` (default 5); then one nudge is let through as a trial (the others keep
  skipping until it reports) and its outcome closes or reopens the breaker. A broker outage
  therefore costs a process at most one failed connection attempt per window, not one per write.
"""

import functools
import logging
import threading
import time

from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)

DEFAULT_BREAKER_SECONDS = 5.0
# What a broker that is down, unreachable or hung raises through kombu and redis-py.
BROKER_DOWN = (BrokerError, OSError)  # OSError covers ConnectionError and TimeoutError


class Breaker:
    """Per process, for a Redis it guards (the nudges' broker here; the shared caches, core/cache.py):
    closed (calls go out), open (skipped until `open_until`), or half-open (one trial is out; everyone
    else skips until it reports). Thread-safe; counts for tests and logs."""

    def __init__(self, recovered: str = "nudge: the broker answers again; nudging resumes"):
        self.recovered = recovered  # logged when a trial succeeds after a failure
        self._lock = threading.Lock()
        self._open_until = 0.0  # monotonic; 0: closed
        self.attempts = 0  # nudges that tried the broker
        self.failures = 0  # ...and could not reach it
        self.skipped = 0  # nudges not sent because the breaker was open

    @staticmethod
    def window() -> float:
        return float(getattr(settings, "NUDGE_BREAKER_SECONDS", DEFAULT_BREAKER_SECONDS))

    @property
    def is_open(self) -> bool:
        return self._open_until > 0.0

    def allow(self) -> bool:
        """May this nudge try the broker? (True: it must report `succeeded()` or `failed()`.)"""
        with self._lock:
            if self._open_until:
                now = time.monotonic()
                if now < self._open_until:
                    self.skipped += 1
                    return False
                self._open_until = now + self.window()  # half-open: this one is the trial
            self.attempts += 1
            return True

    def succeeded(self) -> None:
        if self._open_until:
            with self._lock:
                was_open, self._open_until = self._open_until, 0.0
            if was_open:
                logger.info(self.recovered)

    def failed(self) -> None:
        with self._lock:
            self.failures += 1
            self._open_until = time.monotonic() + self.window()

    def reset(self) -> None:
        """Closed, counters at zero (tests)."""
        with self._lock:
            self._open_until = 0.0
            self.attempts = self.failures = self.skipped = 0


breaker = Breaker()


def _send(task, args: tuple, options: dict) -> None:
    if not breaker.allow():
        logger.debug("nudge: broker recently unreachable; %s%r left to the sweep", task.name, args)
        return
    try:
        task.apply_async(args=args, retry=False, **options)
    except BROKER_DOWN:  # broker unavailable: the sweep delivers later
        breaker.failed()
        logger.warning(
            "nudge: could not queue %s%r; the sweep will pick it up (no nudges for %g s)",
            task.name,
            args,
            breaker.window(),
            exc_info=True,
        )
    except Exception:  # not the broker's fault (e.g. unserialisable arguments): no reason to stop nudging
        logger.exception("nudge: could not queue %s%r; the sweep will pick it up", task.name, args)
    else:
        breaker.succeeded()


def nudge_on_commit(task, *args, **options) -> None:
    """Queue `task(*args)` after commit; ids are bound now (no late-binding closures). Outside a
    transaction the nudge is sent at once."""
    transaction.on_commit(functools.partial(_send, task, tuple(args), options))
