"""Every write to an incident, whoever asks (API, browser, admin, task, command).

Each service runs in one transaction: lock the row, check who and what, change it, and append the
timeline entry describing the change, so state and history always agree."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from catalog.models import ConfigurationItem, Service
from core import idempotency, numbering
from core.errors import ConcurrentModification, Conflict, InvalidInput, TransitionNotAllowed
from core.models import TimelineEntry
from core.permissions import allowed, require
from core.sweep import sweep_due
from core.teams import assignment_group_error
from core.timeline import timeline_field_change, timeline_record
from core.validation import field_errors
from sla.escalations import escalation_fire_next
from sla.selectors import escalation_of

from . import permissions
from .announce import announce
from .escalation import escalation_assign_policy, escalation_on_transition, escalation_plan, escalation_start
from .models import (
    TRANSITION_LABELS,
    TRANSITIONS,
    HoldReason,
    Incident,
    Level,
    ResolutionCode,
    Source,
    Status,
    priority_for,
)
from .sla import sla_on_transition, sla_plan, sla_retarget, sla_start

EDITABLE_FIELDS = (
    "title",
    "description",
    "service",
    "ci",
    "impact",
    "urgency",
    "assignment_group",
    "assignee",
    "caller",
)
READ_ONLY_STATUSES = (Status.CLOSED, Status.CANCELLED)
NUMBER_PREFIX = "INC"
# Transitions that need a note saying why (the timeline shows it).
NOTE_REQUIRED = {
    "cancel": "Say why the incident is cancelled.",
    "reopen": "Say why the incident is reopened.",
}
# Webhook event type of each transition.
TRANSITION_EVENTS = {
    "acknowledge": "incident.acknowledged",
    "start": "incident.started",
    "hold": "incident.held",
    "resume": "incident.resumed",
    "resolve": "incident.resolved",
    "close": "incident.closed",
    "reopen": "incident.reopened",
    "cancel": "incident.cancelled",
}


def _validate(
    *,
    service: Service | None,
    ci: ConfigurationItem | None,
    impact: int,
    urgency: int,
    assignee,
    title: str,
    assignment_group: Group | None = None,
    caller=None,
) -> None:
    with field_errors() as errors:
        if caller is not None and not caller.is_active:
            errors.add("caller", f"'{caller}' is not an active user.")
        if not_a_team := assignment_group_error(assignment_group):
            errors.add("assignment_group", not_a_team)
        errors.check((title or "").strip(), "title", "A title is required.")
        errors.check(service is not None, "service", "A service is required.")
        if ci is not None and service is not None and ci.service_id != service.pk:
            errors.add("ci", f"Configuration item '{ci}' does not belong to service '{service}'.")
        errors.check(impact in Level.values, "impact", "Impact must be 1 (high), 2 (medium) or 3 (low).")
        errors.check(urgency in Level.values, "urgency", "Urgency must be 1 (high), 2 (medium) or 3 (low).")
        if assignee is not None and not permissions.can_work_incidents(assignee):
            errors.add(
                "assignee", f"'{assignee}' cannot be assigned incidents (needs the agent or manager role)."
            )


def incident_create(
    *,
    actor: AbstractBaseUser,
    title: str,
    service: Service,
    description: str = "",
    ci: ConfigurationItem | None = None,
    impact: int = Level.LOW,
    urgency: int = Level.LOW,
    assignment_group: Group | None = None,
    assignee: AbstractBaseUser | None = None,
    source: str = Source.WEB,
    detected_at: datetime | None = None,
    caller: AbstractBaseUser | None = None,
) -> Incident:
    require(actor, permissions.CREATE)
    _validate(
        service=service,
        ci=ci,
        impact=impact,
        urgency=urgency,
        assignee=assignee,
        title=title,
        assignment_group=assignment_group,
        caller=caller,
    )
    if detected_at is not None and detected_at > timezone.now():
        raise InvalidInput({"detected_at": "The detection time cannot be in the future."})
    if assignment_group is None and service is not None and not assignment_group_error(service.owning_group):
        assignment_group = service.owning_group  # route to the team that owns the service
    with transaction.atomic():
        incident = Incident(
            title=title.strip(),
            description=description,
            service=service,
            ci=ci,
            impact=impact,
            urgency=urgency,
            priority=priority_for(impact, urgency),
            assignment_group=assignment_group,
            assignee=assignee,
            caller=caller,
            reporter=actor,
            source=source,
            detected_at=detected_at,
        )
        # Policies and calendars are read first: the number's row lock, which queues concurrent
        # creations until commit, is then held for the writes alone.
        clocks = sla_plan(incident=incident, at=incident.created_at)
        escalation = escalation_plan(incident, at=incident.created_at)
        incident.number = numbering.next_number(NUMBER_PREFIX, model=Incident)
        incident.save()
        escalation_start(incident, escalation)
        sla_start(incident=incident, at=incident.created_at, planned=clocks)
        timeline_record(
            subject=incident,
            kind=TimelineEntry.Kind.CREATED,
            actor=actor,
            to_state=incident.status,
            note=f"Filed as {incident.get_priority_display()} via {incident.get_source_display()}.",
            data={"priority": incident.priority, "impact": impact, "urgency": urgency},
        )
        announce(
            incident=incident,
            event_type="incident.created",
            event_key=f"incident:{incident.pk}:created",
            title="",
        )
        _tell_new_assignee(incident, actor=actor)
    return incident


def _tell_new_assignee(incident: Incident, *, actor) -> None:
    if incident.assignee_id and incident.assignee_id != actor.pk:
        announce(
            incident=incident,
            event_type="incident.assigned",
            event_key=f"incident:{incident.pk}:v{incident.version}:assigned",
            title=f"{incident.number} assigned to you",
            body=f"{incident.title} — {incident.get_priority_display()}, assigned by {actor.get_username()}.",
            recipients=[incident.assignee],
        )


def _lock(incident: Incident, expected_version: int | None) -> Incident:
    """The current row, locked until the transaction ends; refuses a client's stale copy."""
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentModification(
            current_version=locked.version,
            current_status=locked.status,
            allowed=locked.allowed_transitions(),
            status_labels=STATUS_LABELS,
        )
    return locked


STATUS_LABELS = dict(Status.choices)


def _refusal(incident: Incident, action: str, *, reason: str = "") -> TransitionNotAllowed:
    """The 409 for `action` now, naming the status and the allowed steps as people see them."""
    return TransitionNotAllowed(
        action=action,
        current_status=incident.status,
        allowed=incident.allowed_transitions(),
        reason=reason,
        status_labels=STATUS_LABELS,
        action_labels={**TRANSITION_LABELS, "edit": "Edit", "comment on": "Comment on", "watch": "Watch"},
    )


def _touch(incident: Incident, now) -> None:
    incident.version += 1
    incident.updated_at = now


def _refuse_if_read_only(incident: Incident, action: str) -> None:
    if incident.status in READ_ONLY_STATUSES:
        raise _refusal(
            incident, action, reason=f"A {incident.get_status_display().lower()} incident cannot be changed."
        )


def incident_update(
    *, incident: Incident, actor: AbstractBaseUser, expected_version: int | None = None, **changes: Any
) -> Incident:
    """Edit fields (never the status); each changed field becomes a timeline entry."""
    require(actor, permissions.UPDATE)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput({name: "This field cannot be edited." for name in sorted(unknown)})
    with transaction.atomic():
        locked = _lock(incident, expected_version)
        _refuse_if_read_only(locked, "edit")
        merged = {name: changes.get(name, getattr(locked, name)) for name in EDITABLE_FIELDS}
        if "service" in changes and "ci" not in changes and locked.ci and merged["service"] != locked.service:
            merged["ci"] = None  # the old CI belongs to the old service
            changes["ci"] = None
        _validate(
            service=merged["service"],
            ci=merged["ci"],
            impact=merged["impact"],
            urgency=merged["urgency"],
            assignee=merged["assignee"],
            title=merged["title"],
            assignment_group=changes.get("assignment_group"),  # only a new one: old data stays editable
            caller=changes.get("caller"),  # likewise
        )
        now = timezone.now()
        entries = []
        for name, new in changes.items():
            old = getattr(locked, name)
            if old != new:
                setattr(locked, name, new.strip() if name == "title" else new)
                entries.append(dict(field=name, old=old, new=new))
        new_priority = priority_for(locked.impact, locked.urgency)
        if new_priority != locked.priority:
            entries.append(
                dict(
                    field="priority",
                    old=locked.get_priority_display(),
                    new=new_priority.label,
                    data={"from": locked.priority, "to": int(new_priority)},
                )
            )
            locked.priority = new_priority
        if not entries:
            return locked
        changed = {entry["field"] for entry in entries}
        retarget = bool(changed & {"priority", "service"})
        _touch(locked, now)
        locked.save()
        if retarget:
            escalation_assign_policy(locked, at=now)
            sla_retarget(incident=locked, at=now)
        for entry in entries:
            timeline_field_change(subject=locked, actor=actor, at=now, **entry)
        if "assignee" in changed:
            _tell_new_assignee(locked, actor=actor)
    return locked


def incident_transition(
    *,
    incident: Incident,
    actor: AbstractBaseUser,
    action: str,
    note: str = "",
    expected_version: int | None = None,
    **params: Any,
) -> Incident:
    """Walk the incident through one lifecycle step (see TRANSITIONS); 409 if the step is illegal now.
    Holding needs `hold_reason` (HoldReason; "other" needs the note) and takes an optional `resume_at`."""
    require(actor, permissions.TRANSITION)
    if action not in TRANSITIONS:
        raise InvalidInput({"action": f"Unknown transition '{action}'."})
    if action in NOTE_REQUIRED and not note.strip():
        raise InvalidInput({"note": NOTE_REQUIRED[action]})
    if action == "resolve":
        _validate_resolution(params)
    if action == "hold":
        _validate_hold(params, note=note)
    with transaction.atomic():
        locked = _lock(incident, expected_version)
        method = getattr(locked, action)
        if not can_proceed(method):
            raise _refusal(locked, action)
        _apply_transition(locked, actor=actor, action=action, note=note.strip(), params=params)
    return locked


def _apply_transition(
    locked: Incident, *, actor: AbstractBaseUser | None, action: str, note: str, params: dict
) -> None:
    """The transition on a locked row whose `can_proceed` was checked: save, clocks, timeline, events
    (the public update's notice goes to the watchers and the caller)."""
    from_state = locked.status
    now = timezone.now()
    getattr(locked, action)(at=now, **params)
    _touch(locked, now)
    locked.save()
    escalation_on_transition(locked, at=now)
    sla_on_transition(incident=locked, action=action, at=now)
    timeline_record(
        subject=locked,
        kind=TimelineEntry.Kind.TRANSITION,
        actor=actor,
        created_at=now,
        from_state=from_state,
        to_state=locked.status,
        note=note,
        data={
            "action": action,
            **{k: v.isoformat() if isinstance(v, datetime) else v for k, v in params.items()},
        },
    )
    status = locked.get_status_display()
    by = actor.get_username() if actor is not None else "OpsDesk"
    announce(
        incident=locked,
        event_type=TRANSITION_EVENTS[action],
        event_key=f"incident:{locked.pk}:v{locked.version}",
        title=f"{locked.number} is now {status.lower()}",
        body=f"{locked.title} — {Status(from_state).label} → {status}, by {by}."
        + (f"\n\n{note}" if note else ""),
        recipients=_public_audience(locked, actor=actor),
        data={"from": from_state, "to": locked.status, "note": note},
    )


def _public_audience(incident: Incident, *, actor) -> list:
    """Who hears of a public update: the watchers and the caller, not the person who made it."""
    people = list(incident.watchers.filter(is_active=True))
    if incident.caller_id and incident.caller.is_active:
        people.append(incident.caller)
    return [person for person in people if actor is None or person.pk != actor.pk]


def _validate_hold(params: dict, *, note: str) -> None:
    reason = params.get("hold_reason") or ""
    resume_at = params.get("resume_at")
    with field_errors() as errors:
        labels = ", ".join(label.lower() for label in HoldReason.labels)
        errors.check(reason in HoldReason.values, "hold_reason", f"Choose why it waits: {labels}.")
        if reason == HoldReason.OTHER:
            errors.check(note.strip(), "note", "Say what the incident waits for.")
        if resume_at is not None:
            now = timezone.now()
            if resume_at <= now:
                errors.add("resume_at", "The resume-by time must be in the future.")
            elif resume_at > now + timedelta(days=settings.OPSDESK_MAX_DURATION_DAYS):
                errors.add("resume_at", f"At most {settings.OPSDESK_MAX_DURATION_DAYS} days ahead.")
    params["hold_reason"] = reason
    params["hold_note"] = note.strip()
    params["resume_at"] = resume_at


RESUMED_AUTOMATICALLY = "Resumed automatically: the resume-by time was reached."


def incident_holds_resume_due(*, now: datetime | None = None, batch_size: int = 100) -> int:
    """Resume every incident on hold whose resume-by time has passed (the hold sweep, run by beat).
    Rows are claimed FOR UPDATE SKIP LOCKED and resuming clears `resume_at` in the same transaction,
    so each resumes once, whoever sweeps; a person resuming it meanwhile holds the lock or has
    already moved it off hold, and the sweep leaves it be."""

    def fire(batch: list[Incident]) -> int:
        resumed = 0
        for incident in batch:
            if can_proceed(incident.resume):
                _apply_transition(
                    incident, actor=None, action="resume", note=RESUMED_AUTOMATICALLY, params={}
                )
                resumed += 1
            else:  # not on hold any more (cannot happen through the services): drop the stale time
                Incident.objects.filter(pk=incident.pk).update(resume_at=None)
        return resumed

    due = Incident.objects.filter(status=Status.ON_HOLD, resume_at__isnull=False)
    return sweep_due(
        due, due_field="resume_at", now=now or timezone.now(), batch_size=batch_size, fire_batch=fire
    )


def incident_escalate(
    *,
    incident: Incident,
    actor: AbstractBaseUser,
    note: str = "",
    expected_level: int | None = None,
    idempotency_key: str | None = None,
) -> Incident:
    """Fire the next escalation level now, whatever its time (manual escalation). `expected_level`
    is the level the caller saw: if someone escalated meanwhile, nothing fires twice. With an
    `idempotency_key`, a retry of a request that escalated returns the incident and fires nothing."""
    require(actor, permissions.ESCALATE)
    with transaction.atomic():
        locked = _lock(incident, None)
        escalation = escalation_of(locked, lock=True)
        level = escalation.level if escalation else 0
        if idempotency_key is not None:
            scope = f"incident-escalate:{locked.pk}:{actor.pk}"
            if idempotency.first_seen(scope=scope, key=idempotency_key, value=level) != level:
                return locked  # the first attempt escalated: a retry reports, never fires again
        if expected_level is not None and level != expected_level:
            raise Conflict(
                f"{locked.number} was escalated meanwhile (now level {level}); "
                "escalate again if it is still needed.",
                code="escalated_meanwhile",
            )
        if not escalation_fire_next(
            record=locked, escalation=escalation, at=timezone.now(), actor=actor, note=note.strip()
        ):
            raise Conflict(
                "There is no further escalation level for this incident.", code="no_escalation_level"
            )
    return locked


def _validate_resolution(params: dict) -> None:
    with field_errors() as errors:
        codes = ", ".join(ResolutionCode.labels)
        errors.check(
            params.get("resolution_code") in ResolutionCode.values,
            "resolution_code",
            f"Choose a resolution code: {codes}.",
        )
        notes = (params.get("resolution_notes") or "").strip()
        errors.check(notes, "resolution_notes", "Describe how the incident was resolved.")
    params["resolution_notes"] = params["resolution_notes"].strip()


def incident_resolve(
    *,
    incident: Incident,
    actor: AbstractBaseUser,
    resolution_code: str,
    resolution_notes: str,
    note: str = "",
    expected_version: int | None = None,
) -> Incident:
    return incident_transition(
        incident=incident,
        actor=actor,
        action="resolve",
        note=note,
        expected_version=expected_version,
        resolution_code=resolution_code,
        resolution_notes=resolution_notes,
    )


def incident_comment_add(
    *,
    incident: Incident,
    actor: AbstractBaseUser,
    body: str,
    visibility: str = TimelineEntry.Visibility.PUBLIC,
) -> TimelineEntry:
    """A public update or an internal work note; it joins the timeline and is never edited."""
    require(actor, permissions.COMMENT)
    with field_errors() as errors:
        errors.check((body or "").strip(), "body", "A comment cannot be empty.")
        visible = visibility in TimelineEntry.Visibility.values
        errors.check(visible, "visibility", "Visibility must be 'public' or 'internal'.")
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        _refuse_if_read_only(locked, "comment on")
        entry = timeline_record(
            subject=locked,
            kind=TimelineEntry.Kind.COMMENT,
            actor=actor,
            note=body.strip(),
            visibility=visibility,
        )
        if visibility == TimelineEntry.Visibility.PUBLIC:  # internal work notes stay with the team
            announce(
                incident=locked,
                event_type="incident.commented",
                event_key=f"incident:{locked.pk}:comment:{entry.pk}",
                title=f"{locked.number}: update from {actor.get_username()}",
                body=f"{locked.title}\n\n{entry.note}",
                recipients=_public_audience(locked, actor=actor),
                data={"comment": entry.note, "author": actor.get_username()},
                actor=actor,
            )
        return entry


def incident_watch(
    *, incident: Incident, actor: AbstractBaseUser, user: AbstractBaseUser, watching: bool = True
) -> Incident:
    """Add `user` to the watchers (or remove them, `watching=False`). Anyone who may read incidents
    may watch or unwatch themselves; changing someone else's watching is working the incident.
    Idempotent: watching twice changes nothing and records nothing."""
    require(actor, permissions.WATCH)
    if user.pk != actor.pk:
        require(actor, permissions.UPDATE)
        if watching and not (user.is_active and allowed(user, permissions.WATCH)):
            raise InvalidInput({"user": f"'{user.get_username()}' cannot see incidents (no OpsDesk role)."})
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if watching:
            _refuse_if_read_only(locked, "watch")
        already = locked.watchers.filter(pk=user.pk).exists()
        if already == watching:
            return locked
        (locked.watchers.add if watching else locked.watchers.remove)(user)
        name = user.get_username()
        timeline_field_change(
            subject=locked,
            actor=actor,
            field="watchers",
            old="" if watching else name,
            new=name if watching else "",
        )
    return locked
