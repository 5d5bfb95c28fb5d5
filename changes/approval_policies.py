"""Approval policies: which CAB roles approve a change of a type, and how many (all, N of M, any).
Change managers and managers write them (admin and API alike) through these services, on the shared
configuration write path (core/config.py: validation, audit actor, one transaction).

A change keeps the policy it was sent for approval under, so a policy in use by a change awaiting
approval keeps its rules (roles, mode, required, type): create a new one and activate it instead."""

from typing import Any

from django.db import IntegrityError, transaction

from core import roles
from core.config import config_create, config_delete, config_update
from core.errors import Conflict
from core.permissions import require
from core.validation import field_errors

from . import permissions
from .models import ApprovalMode, ApprovalPolicy, Change, ChangeType, Status

FIELDS = ("name", "change_type", "roles", "mode", "required", "active")
RULES = ("change_type", "roles", "mode", "required")  # what a policy in use may not change


def _may_manage(actor) -> None:
    require(actor, permissions.MANAGE_APPROVAL_POLICIES)


def approval_policy_check(*, values: dict[str, Any], exclude_pk: int | None = None) -> dict[str, Any]:
    """`values` (every field) checked and normalised: CAB roles only, each once, at least one; `required`
    between 1 and the number of roles for N of M (all: every role; any: one); no policy for standard
    changes (pre-approved); one active policy per type. InvalidInput with field messages otherwise."""
    values = dict(values)
    listed = list(values.get("roles") or [])
    mode, change_type = values.get("mode"), values.get("change_type")
    with field_errors() as errors:
        errors.check(listed, "roles", "List at least one CAB role.")
        unknown = [name for name in listed if name not in roles.CAB_ROLES]
        errors.check(not unknown, "roles", f"Only CAB roles may approve ({', '.join(roles.CAB_ROLES)}); "
                     f"not {', '.join(map(str, unknown))}.")  # fmt: skip
        errors.check(len(set(listed)) == len(listed), "roles", "List each role once.")
        errors.check(
            mode in ApprovalMode.values, "mode", f"Mode must be one of {', '.join(ApprovalMode.values)}."
        )
        errors.check(change_type in (ChangeType.NORMAL, ChangeType.EMERGENCY), "change_type",
                     "Only normal and emergency changes are approved by the CAB; standard changes are "
                     "pre-approved.")  # fmt: skip
        required = values.get("required")
        if mode == ApprovalMode.N_OF_M and listed:
            errors.check(isinstance(required, int) and 1 <= required <= len(listed), "required",
                         f"For N of M, required must be between 1 and {len(listed)} (the number of roles).")  # fmt: skip
        if values.get("active", True) and change_type:
            other = ApprovalPolicy.objects.filter(change_type=change_type, active=True).exclude(pk=exclude_pk)
            clash = other.values_list("name", flat=True).first()
            errors.check(clash is None, "active",
                         f"'{clash}' is already the active policy for {change_type} changes: deactivate it first.")  # fmt: skip
    if mode == ApprovalMode.ALL:
        values["required"] = len(listed)
    elif mode == ApprovalMode.ANY:
        values["required"] = 1
    return values


def approval_policy_create(*, actor, **fields) -> ApprovalPolicy:
    _may_manage(actor)
    values = approval_policy_check(values={"active": True, "required": 1, **fields})
    return _saving(lambda: config_create(ApprovalPolicy, actor=actor, check=_may_manage, **values))


def approval_policy_update(*, policy: ApprovalPolicy, actor, **fields) -> ApprovalPolicy:
    _may_manage(actor)
    with transaction.atomic():
        current = ApprovalPolicy.objects.select_for_update().get(pk=policy.pk)
        changed = {name: value for name, value in fields.items() if getattr(current, name) != value}
        values = approval_policy_check(
            values={**{name: getattr(current, name) for name in FIELDS}, **fields}, exclude_pk=current.pk
        )
        rules_changed = [name for name in RULES if values[name] != getattr(current, name)]
        if conflict := approval_policy_in_use(current, values):
            raise conflict
        updates = {name: values[name] for name in FIELDS if name in changed or name in rules_changed}
        return _saving(lambda: config_update(current, actor=actor, check=_may_manage, **updates))


def approval_policy_delete(*, policy: ApprovalPolicy, actor) -> None:
    config_delete(policy, actor=actor, check=_may_manage)  # a policy changes were voted under: 409


def approval_policy_in_use(policy: ApprovalPolicy, values: dict[str, Any]) -> Conflict | None:
    """The 409 when `values` change the rules of a policy a change awaiting approval is voted under."""
    rules_changed = [name for name in RULES if name in values and values[name] != getattr(policy, name)]
    if not rules_changed or not (waiting := _awaiting_under(policy)):
        return None
    return Conflict(
        f"'{policy.name}' decides {waiting} awaiting approval: its {', '.join(rules_changed)} "
        "cannot change now. Create a new policy and activate it instead.",
        code="in_use",
    )


def _awaiting_under(policy: ApprovalPolicy) -> str:
    numbers = list(
        Change.objects.filter(approval_policy=policy, status=Status.AWAITING_APPROVAL)
        .order_by("id")
        .values_list("number", flat=True)[:4]
    )
    return ", ".join(numbers[:3]) + (" …" if len(numbers) > 3 else "")


def _saving(save):
    try:
        return save()
    except IntegrityError as exc:  # two managers activating policies for one type at once
        raise Conflict("Another policy was activated for this type meanwhile; reload and retry.") from exc
