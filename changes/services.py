"""Every write to a change request, whoever asks (API, browser, admin, demo loader): filing (from scratch
or from a standard-change template), editing a draft, and each lifecycle step except the CAB votes
(changes.approvals) and scheduling (changes.scheduling). Each step runs in one transaction through
changes.lifecycle.change_apply (timeline, SLA clocks, event)."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import transaction
from django.utils import timezone

from catalog.models import ConfigurationItem, Service
from core import numbering
from core.errors import InvalidInput
from core.models import TimelineEntry
from core.permissions import require
from core.priority import Priority
from core.teams import assignment_group_error
from core.timeline import timeline_field_change_entry, timeline_record, timeline_record_many
from core.validation import field_errors

from . import events, permissions
from .announce import announce
from .approvals import approval_requested
from .lifecycle import change_apply, change_lock, change_touch, refuse
from .models import (
    UNFINISHED_TASK_STATUSES,
    Change,
    ChangeTask,
    ChangeTemplate,
    ChangeType,
    Outcome,
    RollbackComplexity,
    Status,
    Testing,
)
from .risk import assess_risk

NUMBER_PREFIX = "CHG"
PLAN_FIELDS = ("implementation_plan", "rollback_plan", "test_plan")
PLAN_LABELS = {"implementation_plan": "implementation", "rollback_plan": "rollback", "test_plan": "test"}
SCALAR_FIELDS = (
    "title", "description", "justification", *PLAN_FIELDS, "priority", "planned_start", "planned_end",
    "implementer", "assignment_group", "outage_required", "rollback_complexity", "testing",
)  # fmt: skip
MANY_FIELDS = ("services", "cis")
EDITABLE_FIELDS = (*SCALAR_FIELDS, "type", *MANY_FIELDS)
# Transitions that need a note saying why.
NOTE_REQUIRED = {
    "assess": "Say what the assessment found (required for a high-risk change).",
    "cancel": "Say why the change is cancelled.",
}


# --- validation ---------------------------------------------------------------------------------


def _validate(values: dict[str, Any]) -> None:
    with field_errors() as errors:
        errors.check((values.get("title") or "").strip(), "title", "A title is required.")
        errors.check(
            values.get("type") in ChangeType.values, "type", "Type must be standard, normal or emergency."
        )
        errors.check(values.get("priority") in Priority.values, "priority", "Priority must be 1 to 4.")
        start, end = values.get("planned_start"), values.get("planned_end")
        if start and end and end <= start:
            errors.add("planned_end", "The planned end must be after the planned start.")
        if not_a_team := assignment_group_error(values.get("assignment_group")):
            errors.add("assignment_group", not_a_team)
        implementer = values.get("implementer")
        if implementer is not None and not permissions.can_request(implementer):
            errors.add(
                "implementer",
                f"'{implementer}' cannot implement changes (needs the agent, manager or change manager role).",
            )
        errors.check(
            values.get("rollback_complexity") in RollbackComplexity.values,
            "rollback_complexity",
            f"Choose one of: {', '.join(RollbackComplexity.values)}.",
        )
        errors.check(
            values.get("testing") in Testing.values, "testing", f"Choose one of: {', '.join(Testing.values)}."
        )
        if values.get("type") == ChangeType.STANDARD and values.get("template") is None:
            errors.add("type", "A standard change is filed from a template of the standard change catalogue.")


def _names(records: Iterable) -> str:
    return ", ".join(sorted(str(record) for record in records))


# --- filing and editing -------------------------------------------------------------------------


def change_create(
    *,
    actor: AbstractBaseUser,
    title: str = "",
    type: str = ChangeType.NORMAL,
    template: ChangeTemplate | None = None,
    description: str = "",
    justification: str = "",
    implementation_plan: str = "",
    rollback_plan: str = "",
    test_plan: str = "",
    priority: int = Priority.P3,
    planned_start: datetime | None = None,
    planned_end: datetime | None = None,
    services: Iterable[Service] | None = None,
    cis: Iterable[ConfigurationItem] | None = None,
    implementer: AbstractBaseUser | None = None,
    assignment_group: Group | None = None,
    outage_required: bool = False,
    rollback_complexity: str = RollbackComplexity.SIMPLE,
    testing: str = Testing.FULL,
) -> Change:
    """File a change as a draft. From a template the change is standard and starts with the template's
    title, plans, services, CIs, group and tasks (whatever is given explicitly wins)."""
    require(actor, permissions.CREATE)
    values = dict(
        title=title, type=type, description=description, justification=justification,
        implementation_plan=implementation_plan, rollback_plan=rollback_plan, test_plan=test_plan,
        priority=priority, planned_start=planned_start, planned_end=planned_end, implementer=implementer,
        assignment_group=assignment_group, outage_required=outage_required,
        rollback_complexity=rollback_complexity, testing=testing,
    )  # fmt: skip
    services, cis = list(services or ()), list(cis or ())
    if template is not None:
        if not template.active:
            raise InvalidInput({"template": f"The template '{template}' is retired."})
        values["type"] = ChangeType.STANDARD
        values["title"] = title or template.title
        for name in PLAN_FIELDS:
            values[name] = values[name] or getattr(template, name)
        values["assignment_group"] = assignment_group or template.assignment_group
        services = services or list(template.services.all())
        cis = cis or list(template.cis.all())
    _validate({**values, "template": template})
    with transaction.atomic():
        change = Change(requester=actor, template=template, **{**values, "title": values["title"].strip()})
        change.number = numbering.next_number(NUMBER_PREFIX, model=Change)
        change.save()
        change.services.set(services)
        change.cis.set(cis)
        if template is not None:
            ChangeTask.objects.bulk_create(
                ChangeTask(
                    change=change,
                    position=task.position,
                    title=task.title,
                    instructions=task.instructions,
                    assignment_group=task.assignment_group,
                )
                for task in template.tasks.all()
            )
        origin = f" from the template '{template}'" if template else ""
        timeline_record(
            subject=change,
            kind=TimelineEntry.Kind.CREATED,
            actor=actor,
            created_at=change.created_at,
            to_state=change.status,
            note=f"Filed as a {change.get_type_display().lower()} change{origin}.",
            data={"type": change.type, "template": template.pk if template else None},
        )
        announce(change, event_type=events.CREATED.name, event_key=f"change:{change.pk}:created", actor=actor)
    return change


def change_update(
    *, change: Change, actor: AbstractBaseUser, expected_version: int | None = None, **changes: Any
) -> Change:
    """Edit a draft (a submitted change is frozen: revise a rejected one to edit it again); each changed
    field becomes a timeline entry."""
    require(actor, permissions.UPDATE)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput({name: "This field cannot be edited." for name in sorted(unknown)})
    with transaction.atomic():
        locked = change_lock(change, expected_version=expected_version)
        if locked.status != Status.DRAFT:
            raise refuse(
                locked,
                "edit",
                f"Only a draft can be edited; {locked.number} is {locked.get_status_display().lower()}.",
            )
        merged = {name: changes.get(name, getattr(locked, name)) for name in (*SCALAR_FIELDS, "type")}
        _validate({**merged, "template": locked.template})
        if locked.template_id and changes.get("type", ChangeType.STANDARD) != ChangeType.STANDARD:
            raise InvalidInput({"type": "A change from a template stays a standard change."})
        now = timezone.now()
        entries = []
        for name in (*SCALAR_FIELDS, "type"):
            if name not in changes:
                continue
            old, new = getattr(locked, name), changes[name]
            if isinstance(new, str) and name == "title":
                new = new.strip()
            if old != new:
                setattr(locked, name, new)
                entries.append(
                    timeline_field_change_entry(
                        subject=locked, actor=actor, at=now, field=name, old=old, new=new
                    )
                )
        for name in MANY_FIELDS:
            if name not in changes:
                continue
            current = list(getattr(locked, name).all())
            wanted = list(changes[name])
            if {item.pk for item in current} != {item.pk for item in wanted}:
                getattr(locked, name).set(wanted)
                entries.append(
                    timeline_field_change_entry(
                        subject=locked,
                        actor=actor,
                        at=now,
                        field=name,
                        old=_names(current),
                        new=_names(wanted),
                    )
                )
        if not entries:
            return locked
        change_touch(locked, now)
        locked.save()
        timeline_record_many(entries)
    return locked


# --- lifecycle ----------------------------------------------------------------------------------


def _require_note(action: str, note: str) -> str:
    note = (note or "").strip()
    if action in NOTE_REQUIRED and not note:
        raise InvalidInput({"note": NOTE_REQUIRED[action]})
    return note


def change_submit(
    *, change: Change, actor: AbstractBaseUser, note: str = "", expected_version: int | None = None
) -> Change:
    """Submit a draft: a normal or emergency change needs its three plans (400 naming the missing ones).
    The risk is assessed; a standard change is approved at once; a low or medium risk passes assessment
    automatically and awaits approval; a high or very high one waits for a change manager's `assess`."""
    require(actor, permissions.TRANSITION)
    with transaction.atomic():
        locked = change_lock(change, expected_version=expected_version)
        if locked.status != Status.DRAFT:
            raise refuse(locked, "submit")
        if locked.type != ChangeType.STANDARD:
            missing = locked.missing_plans()
            if missing:
                raise InvalidInput(
                    {
                        name: f"A {locked.get_type_display().lower()} change needs a {PLAN_LABELS[name]} plan."
                        for name in missing
                    },
                    message="Write the missing plans before submitting.",
                )
        now = timezone.now()
        risk = assess_risk(locked, now=now)
        locked.risk_score, locked.risk_level, locked.risk_reasons = risk.score, risk.level, risk.reasons
        change_apply(locked, action="submit", actor=actor, note=(note or "").strip(), at=now)
        if locked.type == ChangeType.STANDARD:
            change_apply(
                locked, action="pre_approve", actor=actor, at=now, note="Standard change: pre-approved."
            )
            return locked
        change_apply(
            locked,
            action="begin_assessment",
            actor=actor,
            at=now,
            note=f"Risk {locked.get_risk_level_display().lower()} (score {risk.score}): {'; '.join(risk.reasons)}.",
        )
        if risk.needs_change_manager:
            return locked
        label = locked.get_risk_level_display().lower()
        change_apply(
            locked,
            action="assess",
            actor=actor,
            at=now,
            note=f"Passed assessment automatically: {label} risk",
            by=None,  # no change manager assessed it: the rules did
        )
        _keep_assessment_note(locked, f"Passed assessment automatically: {label} risk")
        approval_requested(change=locked, at=now)
    return locked


def change_assess(
    *, change: Change, actor: AbstractBaseUser, note: str, expected_version: int | None = None
) -> Change:
    """A change manager's assessment of a high-risk change (note required): it then awaits approval."""
    require(actor, permissions.ASSESS)
    note = _require_note("assess", note)
    with transaction.atomic():
        locked = change_lock(change, expected_version=expected_version)
        now = timezone.now()
        change_apply(locked, action="assess", actor=actor, note=note, at=now, by=actor)
        _keep_assessment_note(locked, note)
        approval_requested(change=locked, at=now)
    return locked


def _keep_assessment_note(locked: Change, note: str) -> None:
    """The transition's `note` is change_apply's own keyword (the timeline's note): store it on the
    change as the assessment note too."""
    locked.assessment_note = note
    locked.save(update_fields=["assessment_note"])


def change_transition(
    *,
    change: Change,
    actor: AbstractBaseUser,
    action: str,
    note: str = "",
    expected_version: int | None = None,
    data: dict | None = None,
    **params: Any,
) -> Change:
    """One plain lifecycle step (start, close, cancel, revise) through the shared transition step."""
    require(actor, permissions.TRANSITION)
    note = _require_note(action, note)
    with transaction.atomic():
        locked = change_lock(change, expected_version=expected_version)
        change_apply(locked, action=action, actor=actor, note=note, data=data, **params)
    return locked


def change_start(
    *, change: Change, actor: AbstractBaseUser, note: str = "", expected_version: int | None = None
) -> Change:
    """Start implementing: a scheduled change, or an approved emergency change at once."""
    return change_transition(
        change=change, actor=actor, action="start", note=note, expected_version=expected_version
    )


def change_complete(
    *,
    change: Change,
    actor: AbstractBaseUser,
    outcome: str,
    notes: str = "",
    note: str = "",
    expected_version: int | None = None,
) -> Change:
    """Implementation finished with its outcome; refused (409) while a task is pending or in progress."""
    require(actor, permissions.TRANSITION)
    with field_errors() as errors:
        errors.check(outcome in Outcome.values, "outcome", f"Choose an outcome: {', '.join(Outcome.values)}.")
    with transaction.atomic():
        locked = change_lock(change, expected_version=expected_version)
        unfinished = list(
            locked.tasks.filter(status__in=UNFINISHED_TASK_STATUSES)
            .order_by("position")
            .values_list("position", "title", "status")
        )
        if unfinished and locked.status == Status.IMPLEMENTING:
            named = "; ".join(
                f"{position}. {title} ({status.replace('_', ' ')})" for position, title, status in unfinished
            )
            raise refuse(
                locked, "complete", f"Tasks not finished yet: {named}. Finish, fail or skip them first."
            )
        change_apply(
            locked,
            action="complete",
            actor=actor,
            note=(note or notes or "").strip(),
            data={"outcome": outcome},
            outcome=outcome,
            notes=(notes or "").strip(),
        )
    return locked


def change_review(
    *,
    change: Change,
    actor: AbstractBaseUser,
    notes: str,
    lessons: str = "",
    outcome: str = "",
    expected_version: int | None = None,
) -> Change:
    """The post-implementation review: what happened (incidents caused included), lessons learned, and
    the outcome if it turned out otherwise than recorded at completion."""
    require(actor, permissions.TRANSITION)
    with field_errors() as errors:
        errors.check(
            (notes or "").strip(), "notes", "Say what happened, including any incidents the change caused."
        )
        if outcome:
            errors.check(
                outcome in Outcome.values, "outcome", f"Choose an outcome: {', '.join(Outcome.values)}."
            )
    with transaction.atomic():
        locked = change_lock(change, expected_version=expected_version)
        change_apply(
            locked,
            action="review",
            actor=actor,
            note=notes.strip(),
            by=actor,
            notes=notes.strip(),
            lessons=(lessons or "").strip(),
            outcome=outcome,
        )
    return locked


def change_close(
    *, change: Change, actor: AbstractBaseUser, note: str = "", expected_version: int | None = None
) -> Change:
    """Close after the review (a standard change may close straight after implementation)."""
    return change_transition(
        change=change, actor=actor, action="close", note=note, expected_version=expected_version
    )


def change_cancel(
    *, change: Change, actor: AbstractBaseUser, note: str, expected_version: int | None = None
) -> Change:
    """Cancel before implementation starts (reason required)."""
    return change_transition(
        change=change, actor=actor, action="cancel", note=note, expected_version=expected_version
    )


def change_revise(
    *, change: Change, actor: AbstractBaseUser, note: str = "", expected_version: int | None = None
) -> Change:
    """Take a rejected change back to draft to rework and submit it again."""
    return change_transition(
        change=change, actor=actor, action="revise", note=note, expected_version=expected_version
    )
