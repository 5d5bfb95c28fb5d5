"""Thin Celery tasks of reports/: the SLA roll-up refresh (hourly, opsdesk/settings/base.py's beat
schedule). Safe to run twice and in parallel: reports.rollup locks its state row and recomputes
whole days."""

from celery import shared_task
from django.db import OperationalError

from .rollup import sla_rollup_refresh


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def refresh_sla_rollup() -> int:
    return sla_rollup_refresh()
