"""How long an SLA target or an escalation delay may be: `OPSDESK_MAX_DURATION_DAYS` (default 365).

Every clock start walks the policy's calendar to its deadline, so an unbounded target is unbounded
work on every create (a billion days took 37 s of CPU and then failed). The API, the admin and the
services all refuse longer durations with this one message."""

from datetime import timedelta

from django.conf import settings


def max_duration() -> timedelta:
    return timedelta(days=settings.OPSDESK_MAX_DURATION_DAYS)


def duration_too_long(duration: timedelta | None) -> str | None:
    """The message for a duration over the bound, or None."""
    if duration is not None and duration > max_duration():
        return f"At most {settings.OPSDESK_MAX_DURATION_DAYS} days."
    return None
