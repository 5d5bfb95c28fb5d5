"""Changes ready to schedule, built the way the process builds them: created, then submitted, assessed
and approved through changes.lifecycle.change_apply (H7's tests; the filing services are H5's)."""

import itertools
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from changes.lifecycle import change_apply, change_lock
from changes.models import Change, ChangeType

_numbers = itertools.count(1)
STEPS = {
    ChangeType.NORMAL: ("submit", "begin_assessment", "assess", "approve"),
    ChangeType.EMERGENCY: ("submit", "begin_assessment", "assess", "approve"),
    ChangeType.STANDARD: ("submit", "pre_approve"),
}


def at(days: float = 1, hour: int = 10) -> datetime:
    """An instant `days` from today at `hour`:00 (local time)."""
    base = timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days)


def make_change(
    *,
    requester,
    type: str = ChangeType.NORMAL,
    cis=(),
    services=(),
    start: datetime | None = None,
    hours: float = 2,
    approved: bool = True,
    **fields,
) -> Change:
    """A change with a planned window of `hours` from `start`, approved unless `approved=False`."""
    start = start or at(1)
    change = Change.objects.create(
        number=f"CHG-8{next(_numbers):05d}",
        type=type,
        title=fields.pop("title", "Patch the database"),
        requester=requester,
        implementation_plan="Run the playbook",
        rollback_plan="Restore the snapshot",
        test_plan="Smoke tests",
        planned_start=start,
        planned_end=start + timedelta(hours=hours),
        **fields,
    )
    change.cis.set(cis)
    change.services.set(services)
    if approved:
        with transaction.atomic():
            locked = change_lock(change)
            for action in STEPS[type]:
                locked = change_apply(locked, action=action, actor=requester)
        change.refresh_from_db()
    return change
