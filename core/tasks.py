"""Thin Celery tasks of the kernel: dispatch committed domain events to their handlers.

Both run on the `timers` queue (CELERY_TASK_ROUTES): handlers only write rows (notifications,
outbox messages) and are quick, and a breach notification is part of a deadline's promise, so a
backlog of slow webhook or email deliveries on the default queue must not hold them up. Safe to run twice or never: the
handler-run rows make each (event, handler) pair run once, and the sweep finds what a lost nudge
left behind."""

from celery import shared_task

from core.events.dispatch import TRANSIENT_ERRORS, dispatch_due


@shared_task(
    name="core.dispatch_events",
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=2,
    retry_backoff_max=30,
    max_retries=3,
    ignore_result=True,
)
def dispatch_events(event_ids: list[int]) -> int:
    """Nudged after the commit that published these events: run their handlers now."""
    return dispatch_due(ids=event_ids)


@shared_task(name="core.sweep_events", ignore_result=True)
def sweep_events() -> int:
    """Beat, every few seconds (and nudged after a burst): dispatch every due event."""
    return dispatch_due()
