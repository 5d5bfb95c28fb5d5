"""One action on many incidents (the queue's bulk bar): each incident goes through the same service
call its own page makes, in its own transaction, so one refusal never undoes the others and every
guard (permission, lifecycle, version) holds for each row. Refusals are reported by number, with the
reason as a person reads it."""

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, Group

from core.errors import ConcurrentModification, DomainError, InvalidInput, TransitionNotAllowed
from core.models import TimelineEntry

from . import services
from .models import Incident, Status

MAX_ROWS = 100  # rows one action may touch: a request stays short, and so do its row locks

# action: (label on the bar, what happened to a row, in the past tense)
ACTIONS = {
    "assign_me": ("Assign to me", "assigned to you"),
    "assign_person": ("Assign to a person", "assigned"),
    "assign_group": ("Assign to a group", "assigned to the group"),
    "acknowledge": ("Acknowledge", "acknowledged"),
    "comment": ("Add a comment", "commented on"),
}
STATUS_LABELS = dict(Status.choices)


@dataclass
class BulkOutcome:
    action: str
    done: list[str] = field(default_factory=list)  # numbers
    refused: list[tuple[str, str]] = field(default_factory=list)  # (number, reason)


def parse_rows(values: list[str]) -> list[tuple[int, int | None]]:
    """Rows as the queue's checkboxes send them, "id:version" (the version the page showed, so a row
    changed since is refused rather than overwritten); a bare id skips that check."""
    rows = []
    for value in values:
        pk, _, version = value.partition(":")
        if not pk.isdigit() or (version and not version.isdigit()):
            raise InvalidInput({"rows": f"'{value}' is not an incident of this page."})
        rows.append((int(pk), int(version) if version else None))
    return rows


def incident_bulk_apply(
    *,
    actor: AbstractBaseUser,
    action: str,
    rows: list[tuple[int, int | None]],
    assignee: AbstractBaseUser | None = None,
    group: Group | None = None,
    body: str = "",
    visibility: str = TimelineEntry.Visibility.PUBLIC,
) -> BulkOutcome:
    if action not in ACTIONS:
        raise InvalidInput({"action": "Choose an action."})
    if not rows:
        raise InvalidInput({"rows": "Select at least one incident."})
    if len({pk for pk, _ in rows}) > MAX_ROWS:
        raise InvalidInput({"rows": f"Select at most {MAX_ROWS} incidents at a time."})
    outcome = BulkOutcome(action)
    found = Incident.objects.only("number", "status").in_bulk([pk for pk, _ in rows])
    # In id order: two bulk actions over overlapping rows lock them in the same order (no deadlock).
    for pk, version in sorted(dict(rows).items()):
        incident = found.get(pk)
        if incident is None:
            outcome.refused.append((f"#{pk}", "It no longer exists."))
            continue
        try:
            _apply(incident, action, actor=actor, version=version, assignee=assignee, group=group, body=body,
                   visibility=visibility)  # fmt: skip
        except DomainError as exc:
            outcome.refused.append((incident.number, refusal(exc, action)))
        else:
            outcome.done.append(incident.number)
    return outcome


def _apply(incident: Incident, action: str, *, actor, version, assignee, group, body, visibility) -> None:
    if action == "acknowledge":
        services.incident_transition(
            incident=incident, actor=actor, action="acknowledge", expected_version=version
        )
    elif action == "comment":
        services.incident_comment_add(incident=incident, actor=actor, body=body, visibility=visibility)
    else:
        change = {"assign_me": {"assignee": actor}, "assign_person": {"assignee": assignee}}.get(
            action, {"assignment_group": group}
        )
        services.incident_update(incident=incident, actor=actor, expected_version=version, **change)


def refusal(exc: DomainError, action: str) -> str:
    """Why a row was refused, in the words of the page (status labels, not codes)."""
    past = ACTIONS[action][1]
    if isinstance(exc, ConcurrentModification):
        now = STATUS_LABELS.get(exc.current_status, exc.current_status)
        return f"Someone else changed it after this page was loaded (it is now {now}); reload and try again."
    if isinstance(exc, TransitionNotAllowed):
        status = STATUS_LABELS.get(exc.current_status, exc.current_status)
        return f"It is {status}, so it cannot be {past}."
    if isinstance(exc, InvalidInput):
        return " ".join(message for messages in exc.fields.values() for message in messages)
    return exc.message
