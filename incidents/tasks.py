"""Thin Celery tasks of the incident process (beat schedules them: opsdesk/settings/base.py)."""

from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(
    name="incidents.resume_due_holds", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3
)
def resume_due_holds() -> int:
    """Resume the incidents on hold whose resume-by time has passed; safe to run twice or in parallel."""
    return services.incident_holds_resume_due()
