"""The one way a change moves through its lifecycle, shared by every service that moves it (filing and
planning in services.py, votes in approvals.py, scheduling in scheduling.py): lock the row, check the
transition is allowed now (409 naming the state and the allowed transitions otherwise), apply it, bump
the version, save, record the timeline entry, move the SLA clocks and publish the event, all in the
caller's transaction."""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from core.errors import ConcurrentModification, TransitionNotAllowed
from core.events import publish_many
from core.models import TimelineEntry
from core.timeline import timeline_record
from sla import engine

from . import events
from .announce import change_event
from .models import Change


def change_lock(change: Change | int, *, expected_version: int | None = None) -> Change:
    """The current row, locked until the transaction ends; refuses a client's stale copy (409)."""
    pk = change.pk if isinstance(change, Change) else change
    locked = (
        Change.objects.select_for_update(of=("self",)).select_related("requester", "implementer").get(pk=pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentModification(
            current_version=locked.version, current_status=locked.status, allowed=locked.allowed_transitions()
        )
    return locked


def change_touch(change: Change, at: datetime) -> None:
    change.version += 1
    change.updated_at = at


def refuse(change: Change, action: str, reason: str = "") -> TransitionNotAllowed:
    """The 409 for `action` on `change` as it is now."""
    return TransitionNotAllowed(
        action=action, current_status=change.status, allowed=change.allowed_transitions(), reason=reason
    )


def change_apply(
    locked: Change,
    *,
    action: str,
    actor: AbstractBaseUser | None,
    note: str = "",
    at: datetime | None = None,
    recipients=(),
    data: dict[str, Any] | None = None,
    **params: Any,
) -> Change:
    """Apply transition `action` to a row locked by `change_lock` (inside the caller's transaction).
    `params` go to the transition method; `data` is added to the timeline entry and the event."""
    assert transaction.get_connection().in_atomic_block, "change_apply needs the caller's transaction"
    method = getattr(locked, action, None)
    if action not in events.TRANSITIONS or method is None:
        raise ValueError(f"Unknown change transition {action!r}")
    if not can_proceed(method):
        raise refuse(locked, action)
    at = at or timezone.now()
    from_state = locked.status
    method(at=at, **params)
    change_touch(locked, at)
    locked.save()
    engine.clocks_on_transition(locked, action=action, at=at)
    extra = dict(data or {})
    timeline_record(
        subject=locked,
        kind=TimelineEntry.Kind.TRANSITION,
        actor=actor,
        created_at=at,
        from_state=from_state,
        to_state=locked.status,
        note=note,
        data={"action": action, **extra},
    )
    event = change_event(
        locked,
        event_type=events.TRANSITIONS[action].name,
        event_key=f"change:{locked.pk}:v{locked.version}",
        title=f"{locked.number} {locked.get_status_display().lower()}",
        body=locked.title,
        recipients=recipients,
        data={"from": from_state, "to": locked.status, "note": note, **extra},
        actor=actor,
    )
    publish_many([event])
    return locked
