"""Thin Celery tasks: the sweep that makes escalations fire (the SLA sweep is sla.tasks). Safe to
run twice and in parallel (rows are claimed with SKIP LOCKED and each firing is recorded once)."""

from celery import shared_task
from django.db import OperationalError

from . import escalation


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def sweep_escalations() -> int:
    return escalation.sweep_escalations()
