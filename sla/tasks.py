"""Thin Celery tasks of sla/: the sweeps that make SLA thresholds and escalation levels of every
process fire. Safe to run twice and in parallel (rows are claimed with SKIP LOCKED and each firing is
recorded once)."""

from celery import shared_task
from django.db import OperationalError

from . import engine, escalations


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def sweep_sla_clocks() -> int:
    return engine.sweep_clocks()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def sweep_escalations() -> int:
    return escalations.sweep_escalations()
