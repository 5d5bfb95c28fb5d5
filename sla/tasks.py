"""Thin Celery task: the sweep that makes SLA thresholds of every process fire. Safe to run twice
and in parallel (clocks are claimed with SKIP LOCKED and each firing is recorded once)."""

from celery import shared_task
from django.db import OperationalError

from . import engine


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def sweep_sla_clocks() -> int:
    return engine.sweep_clocks()
