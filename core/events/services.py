"""Writes on the event log that people make (the dispatcher writes the rest)."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core import roles
from core.errors import NotPermitted
from core.models import Event, HandlerRun
from core.nudge import nudge_on_commit


def handler_runs_retry(*, actor: AbstractBaseUser, run_ids: Iterable[int]) -> int:
    """Run failed or retrying handler runs again now (e.g. after fixing what made them fail), with a
    fresh set of attempts; done runs are left alone. Returns how many were revived."""
    if not roles.can_configure(actor):
        raise NotPermitted("Only managers and superusers may retry event handlers.")
    from core.tasks import dispatch_events

    now = timezone.now()
    with transaction.atomic():
        runs = HandlerRun.objects.select_for_update().filter(pk__in=list(run_ids)).exclude(outcome="done")
        event_ids = sorted(set(runs.values_list("event_id", flat=True)))
        revived = runs.update(
            outcome=HandlerRun.Outcome.RETRYING, attempts=0, next_attempt_at=now, updated_at=now
        )
        Event.objects.filter(pk__in=event_ids).update(dispatch_due_at=now)
        if event_ids:
            nudge_on_commit(dispatch_events, event_ids)
    return revived
