"""Thin Celery tasks: the sweep that makes SLA thresholds fire (escalations: sla.tasks). Safe to run twice
and in parallel (rows are claimed with SKIP LOCKED and each firing is recorded once)."""

from celery import shared_task
from django.db import OperationalError

from . import sla


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def sweep_sla_clocks() -> int:
    return sla.sweep_sla_clocks()
