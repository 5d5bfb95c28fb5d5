import logging

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from opsdesk.celery import app as celery_app

logger = logging.getLogger(__name__)


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # any failure to answer is what this endpoint reports
        logger.warning("healthz: database unavailable: %s", exc)
        return f"unavailable: {exc.__class__.__name__}"


def _broker_status() -> str:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:
        logger.warning("healthz: broker unavailable: %s", exc)
        return f"unavailable: {exc.__class__.__name__}"


@never_cache
@require_GET
def healthz(request):
    """For load balancers: 200 while the database answers; the broker is reported, not required."""
    database = _database_status()
    body = {
        "status": "ok" if database == "ok" else "unavailable",
        "database": database,
        "broker": _broker_status(),
    }
    return JsonResponse(body, status=200 if database == "ok" else 503)
