import logging

from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.login_throttle import REQUEST_ATTRIBUTE, lockout_message
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


class LoginView(auth_views.LoginView):
    """The sign-in form; a locked account or address (core/login_throttle.py) gets 429 and Retry-After."""

    redirect_authenticated_user = True

    def form_invalid(self, form):
        wait = getattr(self.request, REQUEST_ATTRIBUTE, 0)
        if not wait:
            return super().form_invalid(form)
        form.errors.clear()
        form.add_error(None, lockout_message(wait))
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(wait)
        return response
