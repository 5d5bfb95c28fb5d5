"""Thin Celery tasks of alert ingestion. Safe to run twice and in parallel: events of one
integration are processed under an advisory lock and each is marked done in the same transaction
as its effects."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from .processing import inbound_due_integrations, inbound_process


@shared_task(
    name="alerts.process_inbound",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    ignore_result=True,
)
def process_inbound(integration_id: int) -> int:
    """Nudged after an endpoint stored an event: process the integration's pending events."""
    return inbound_process(integration_id=integration_id)


@shared_task(name="alerts.sweep_inbound", ignore_result=True)
def sweep_inbound() -> int:
    """Beat, every few seconds: process whatever a lost nudge or a failed attempt left pending."""
    return sum(inbound_process(integration_id=pk) for pk in inbound_due_integrations(now=timezone.now()))
