"""Thin Celery tasks: take ids, call notifications.delivery; safe to run twice or never.

Delivery failures (SMTP errors, HTTP 500s) are not task failures: they are recorded on the row and
retried by the sweep with backoff. Only transient database errors make a task retry; if those
retries are lost too, the sweep still finds the message."""

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from core.nudge import nudge_on_commit

from . import conf, delivery

TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@shared_task(
    name="notifications.deliver_outbox_message",
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=2,
    retry_backoff_max=30,
    max_retries=3,
    ignore_result=True,
)
def deliver_outbox_message(message_id: int) -> str:
    """Deliver one message now if it is due (nudged after the commit that wrote it; a burst of
    new messages nudges one sweep instead, which delivers them in batches)."""
    return delivery.deliver(message_id)


@shared_task(name="notifications.sweep_outbox", ignore_result=True)
def sweep_outbox() -> dict[str, int]:
    """Beat, every few seconds: deliver whatever is due (lost nudges, retries, expired claims),
    in batches claimed with SKIP LOCKED, so sweeps on several workers share a backlog. A run stops
    after NOTIFICATIONS_TASK_BUDGET_SECONDS; if messages are still due it nudges its successor,
    which expires unless a worker takes it within a beat period or two (beat sweeps anyway), so
    successors never pile up behind a long backlog."""
    run = delivery.sweep_run()
    if run.more:
        nudge_on_commit(sweep_outbox, expires=successor_expires())
    return run.counts


def successor_expires() -> float:
    return max(
        2 * float(getattr(settings, "OPSDESK_SWEEP_SECONDS", 5.0)), 2 * float(conf.get("TASK_BUDGET_SECONDS"))
    )


@shared_task(name="notifications.purge_sent_outbox", ignore_result=True)
def purge_sent_outbox() -> int:
    """Beat, daily: drop sent messages past NOTIFICATIONS_RETENTION_DAYS."""
    return delivery.purge_sent()
