"""Running the subscribed handlers of committed events, each (event, handler) pair at most once.

The dispatcher locks a batch of due events (`FOR UPDATE SKIP LOCKED`, core/sweep.py), runs every
handler that has not finished with them, each in its own savepoint, and records the outcome of each
pair in a `HandlerRun` row in the same transaction as the handler's own writes. So a handler's
effects and the record that it ran commit together or not at all: dispatching twice (a nudge and a
sweep, two workers) runs nothing twice, and a worker that dies mid-batch leaves the events due.

A handler that raises a transient error (connection, lock timeout, serialization failure,
`RetryLater`) is retried with exponential backoff; any other exception is a domain error: recorded
as failed permanently and not retried. Settings, read at call time:

EVENTS_MAX_ATTEMPTS      attempts before a transient failure becomes permanent (default 8)
EVENTS_RETRY_BASE        seconds before the first retry, doubling each attempt (default 5)
EVENTS_RETRY_CAP         longest wait between attempts, seconds (default 600)
EVENTS_SWEEP_BATCH_SIZE  events locked and dispatched per transaction (default 200)
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from core.models import Event, HandlerRun
from core.sweep import sweep_due

from .registry import Registry, Subscription, registry

logger = logging.getLogger(__name__)

DEFAULTS = {"MAX_ATTEMPTS": 8, "RETRY_BASE": 5.0, "RETRY_CAP": 600.0, "SWEEP_BATCH_SIZE": 200}
ERROR_MAX = 2000
DONE, RETRYING, FAILED = (HandlerRun.Outcome.DONE, HandlerRun.Outcome.RETRYING, HandlerRun.Outcome.FAILED)


class RetryLater(Exception):
    """Raised by a handler that cannot finish now but may later (e.g. a dependency is down)."""


TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError, RetryLater)


def conf(name: str):
    return getattr(settings, f"EVENTS_{name}", DEFAULTS[name])


def retry_delay(attempt: int) -> timedelta:
    """Wait after failed attempt number `attempt` (1-based): base * 2**(attempt-1), capped."""
    base, cap = float(conf("RETRY_BASE")), float(conf("RETRY_CAP"))
    return timedelta(seconds=min(base * 2 ** (max(attempt, 1) - 1), cap))


def _due(run: HandlerRun | None, now: datetime) -> bool:
    return run is None or (run.outcome == RETRYING and run.next_attempt_at <= now)


def _outcome(sub: Subscription, event: Event, before: HandlerRun | None, now, error=None) -> HandlerRun:
    attempts = (before.attempts if before else 0) + 1
    run = HandlerRun(event=event, handler=sub.name, outcome=DONE, attempts=attempts, updated_at=now)
    if error is None:
        return run
    run.error = f"{type(error).__name__}: {error}"[:ERROR_MAX]
    if isinstance(error, TRANSIENT_ERRORS) and attempts < int(conf("MAX_ATTEMPTS")):
        run.outcome, run.next_attempt_at = RETRYING, now + retry_delay(attempts)
        logger.warning(
            "events: %s failed on %s (attempt %s), will retry: %s", sub.name, event, attempts, error
        )
    else:
        run.outcome = FAILED
        logger.error("events: %s failed on %s for good: %s", sub.name, event, error, exc_info=error)
    return run


def _run(sub: Subscription, events: list[Event], before: dict, now) -> list[HandlerRun]:
    """Run the handler on the events in a savepoint; when the batch fails, run each event alone so
    one bad event neither blocks nor takes the blame for the others."""
    try:
        with transaction.atomic():
            sub.handler(events)
    except Exception as error:
        if len(events) > 1:
            return [run for event in events for run in _run(sub, [event], before, now)]
        return [_outcome(sub, events[0], before.get((events[0].pk, sub.name)), now, error)]
    return [_outcome(sub, event, before.get((event.pk, sub.name)), now) for event in events]


def dispatch(events: list[Event], *, now: datetime | None = None, using: Registry = registry) -> int:
    """Run the due handlers of `events` (locked by the caller, or published in this transaction)
    and record each pair's outcome; a constant number of queries besides the handlers' own.
    Sets each event's `dispatch_due_at` to its next retry, or clears it. Returns the runs made."""
    now = now or timezone.now()
    if not events:
        return 0
    before = {
        (run.event_id, run.handler): run
        for run in HandlerRun.objects.filter(event__in=[e.pk for e in events])
    }
    runs: list[HandlerRun] = []
    for sub in using.subscriptions():
        due = [
            event for event in events if sub.wants(event.type) and _due(before.get((event.pk, sub.name)), now)
        ]
        if due:
            runs += _run(sub, due, before, now)
    if runs:
        HandlerRun.objects.bulk_create(
            runs,
            update_conflicts=True,
            unique_fields=["event", "handler"],
            update_fields=["outcome", "attempts", "next_attempt_at", "error", "updated_at"],
        )
    subscribed = {sub.name for sub in using.subscriptions()}
    latest = {**before, **{(run.event_id, run.handler): run for run in runs}}
    retry_at: dict[int, datetime] = {}
    for (event_id, handler), run in latest.items():
        if run.outcome == RETRYING and handler in subscribed:  # a removed handler never runs again
            retry_at[event_id] = min(run.next_attempt_at, retry_at.get(event_id, run.next_attempt_at))
    finished = [event.pk for event in events if event.pk not in retry_at]
    if finished:
        Event.objects.filter(pk__in=finished).update(dispatch_due_at=None)
    if retry_at:
        retrying = [event for event in events if event.pk in retry_at]
        for event in retrying:
            event.dispatch_due_at = retry_at[event.pk]
        Event.objects.bulk_update(retrying, ["dispatch_due_at"])
    return len(runs)


def dispatch_due(*, ids: list[int] | None = None, now: datetime | None = None) -> int:
    """Dispatch the due events (only those with these ids, when given), in bounded batches locked
    with FOR UPDATE SKIP LOCKED, so concurrent dispatchers share the work and never run a pair twice."""
    now = now or timezone.now()
    events = Event.objects.all() if ids is None else Event.objects.filter(pk__in=ids)
    return sweep_due(
        events,
        due_field="dispatch_due_at",
        now=now,
        batch_size=int(conf("SWEEP_BATCH_SIZE")),
        fire_batch=lambda batch: dispatch(batch, now=now),
    )
