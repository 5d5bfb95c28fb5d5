"""Every write to escalation policies and their levels (the admin and any future API call these).
Running escalations keep the levels they snapshotted; (de)activating a policy stops or resumes its
running escalations at once."""

from datetime import timedelta

from django.db import transaction

from core.audit import audit_actor
from core.errors import InvalidInput
from core.permissions import require

from .bounds import duration_too_long
from .escalations import escalation_policy_reschedule, processes
from .models import EscalationLevel, EscalationPolicy
from .permissions import MANAGE_ESCALATIONS

POLICY_FIELDS = frozenset({"name", "process", "priority", "service", "calendar", "active"})
LEVEL_FIELDS = frozenset(
    {
        "number", "trigger", "after", "notify_users", "notify_group", "notify_assignment_group",
        "notify_group_lead", "notify_managers", "reassign_to_group", "raise_to_next_group", "raise_priority",
    }
)  # fmt: skip


def _unknown(fields: dict, allowed: frozenset) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput({name: "This field cannot be set." for name in sorted(unknown)})


def escalation_policy_check(*, name: str, process: str, exclude_pk: int | None = None) -> None:
    """Field errors of a policy (also used by the admin form, to show them on the fields)."""
    errors = {}
    if not (name or "").strip():
        errors["name"] = "A name is required."
    elif EscalationPolicy.objects.filter(name=name.strip()).exclude(pk=exclude_pk).exists():
        errors["name"] = f"There is already a policy named '{name.strip()}'."
    if process not in processes():
        errors["process"] = f"Unknown process '{process}'; choose one of: {', '.join(processes())}."
    if errors:
        raise InvalidInput(errors)


def escalation_level_check(*, after: timedelta, number: int) -> None:
    errors = {}
    if after is None or after < timedelta(0):
        errors["after"] = "Must be zero or longer."
    elif too_long := duration_too_long(after):
        errors["after"] = too_long
    if number is None or number < 1:
        errors["number"] = "Levels are numbered from 1."
    if errors:
        raise InvalidInput(errors)


def escalation_policy_create(*, actor, **fields) -> EscalationPolicy:
    """A new policy: it applies to records filed (or re-prioritised) from now on."""
    require(actor, MANAGE_ESCALATIONS)
    _unknown(fields, POLICY_FIELDS)
    escalation_policy_check(name=fields.get("name", ""), process=fields.get("process", ""))
    with transaction.atomic(), audit_actor(actor):
        return EscalationPolicy.objects.create(**{**fields, "name": fields["name"].strip()})


def escalation_policy_update(*, policy: EscalationPolicy, actor, **fields) -> EscalationPolicy:
    """Change a policy. Escalations already running keep their levels; deactivating stops them
    (nothing more fires, not even levels already due), reactivating resumes them."""
    require(actor, MANAGE_ESCALATIONS)
    _unknown(fields, POLICY_FIELDS)
    with transaction.atomic(), audit_actor(actor):
        policy = EscalationPolicy.objects.select_for_update().get(pk=policy.pk)
        was_active = policy.active
        for name, value in fields.items():
            setattr(policy, name, value)
        escalation_policy_check(name=policy.name, process=policy.process, exclude_pk=policy.pk)
        policy.save()
        if policy.active != was_active:
            escalation_policy_reschedule(policy=policy)
    return policy


def escalation_policy_delete(*, policy: EscalationPolicy, actor) -> None:
    """Delete a policy and its levels; the escalations it runs end."""
    require(actor, MANAGE_ESCALATIONS)
    policy.delete()


def escalation_level_create(*, policy: EscalationPolicy, actor, **fields) -> EscalationLevel:
    """A new level; records already escalating under the policy keep the levels they had."""
    require(actor, MANAGE_ESCALATIONS)
    _unknown(fields, LEVEL_FIELDS)
    notify_users = fields.pop("notify_users", [])
    escalation_level_check(after=fields.get("after"), number=fields.get("number"))
    with transaction.atomic(), audit_actor(actor):
        _check_number_free(policy, fields["number"])
        level = EscalationLevel.objects.create(policy=policy, **fields)
        level.notify_users.set(notify_users)
    return level


def escalation_level_update(*, level: EscalationLevel, actor, **fields) -> EscalationLevel:
    require(actor, MANAGE_ESCALATIONS)
    _unknown(fields, LEVEL_FIELDS)
    notify_users = fields.pop("notify_users", None)
    with transaction.atomic(), audit_actor(actor):
        level = EscalationLevel.objects.select_for_update().get(pk=level.pk)
        for name, value in fields.items():
            setattr(level, name, value)
        escalation_level_check(after=level.after, number=level.number)
        _check_number_free(level.policy, level.number, exclude_pk=level.pk)
        level.save()
        if notify_users is not None:
            level.notify_users.set(notify_users)
    return level


def escalation_level_delete(*, level: EscalationLevel, actor) -> None:
    require(actor, MANAGE_ESCALATIONS)
    level.delete()


def _check_number_free(policy: EscalationPolicy, number: int, exclude_pk: int | None = None) -> None:
    if EscalationLevel.objects.filter(policy=policy, number=number).exclude(pk=exclude_pk).exists():
        raise InvalidInput({"number": f"The policy already has a level {number}."})
