"""Who made a change. Every statement run inside `audit_actor(...)` carries the actor to the
PostgreSQL triggers that write the audit history (pghistory passes it as a transaction setting).

The middleware (pghistory.middleware.HistoryMiddleware) opens the same context for browser, admin and
API requests, including token-authenticated ones (DRF sets `request.user` inside the view, and the
middleware's request class forwards that to the context). Services open it too, so writes from
Celery tasks, management commands and the shell name their actor as well."""

import contextlib

import pghistory
from django.db import connection


@contextlib.contextmanager
def audit_actor(actor, **extra):
    """Attribute the configuration writes inside the block to `actor` (a user, or None: the system)."""
    if connection.vendor != "postgresql":  # the triggers only exist on PostgreSQL
        yield
        return
    user_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    with pghistory.context(user=user_id, **extra):
        yield
