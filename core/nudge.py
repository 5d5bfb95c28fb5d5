"""Ask a worker to act promptly once the current transaction commits.

A nudge is only a shortcut: the durable record (a deadline or an outbox row) is already in
PostgreSQL and a beat sweep will act on it anyway. So a broker that is down or slow must never
fail or delay the user's request: publishing errors are logged and swallowed."""

import functools
import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def _send(task, args: tuple, options: dict) -> None:
    try:
        task.apply_async(args=args, retry=False, **options)
    except Exception:  # broker unavailable: the sweep delivers later
        logger.warning(
            "nudge: could not queue %s%r; the sweep will pick it up", task.name, args, exc_info=True
        )


def nudge_on_commit(task, *args, **options) -> None:
    """Queue `task(*args)` after commit; ids are bound now (no late-binding closures)."""
    transaction.on_commit(functools.partial(_send, task, tuple(args), options))
