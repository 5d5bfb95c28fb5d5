from datetime import timedelta

from django.db import transaction

from core import roles
from core.errors import InvalidInput, NotPermitted

from .models import SlaPolicy


def _require_sla_admin(actor) -> None:
    if not roles.can_configure(actor):
        raise NotPermitted("Only managers may change SLA policies.")


def _check_policy_unique(*, priority: int, service, exclude_pk: int | None = None) -> None:
    clash = SlaPolicy.objects.filter(priority=priority, service=service).exclude(pk=exclude_pk)
    if clash.exists():
        scope = f"service '{service}'" if service else "the default (all services)"
        raise InvalidInput({"priority": f"{scope} already has a policy for P{priority}."})


def _check_targets(response_target: timedelta, resolution_target: timedelta) -> None:
    errors = {}
    if response_target <= timedelta(0):
        errors["response_target"] = "Must be longer than zero."
    if resolution_target <= timedelta(0):
        errors["resolution_target"] = "Must be longer than zero."
    if errors:
        raise InvalidInput(errors)


def sla_policy_create(*, actor, **fields) -> SlaPolicy:
    """A new policy; it applies to incidents filed (or re-prioritised) from now on."""
    _require_sla_admin(actor)
    _check_targets(fields["response_target"], fields["resolution_target"])
    with transaction.atomic():
        _check_policy_unique(priority=fields["priority"], service=fields.get("service"))
        return SlaPolicy.objects.create(**fields)


def sla_policy_update(*, policy: SlaPolicy, actor, **fields) -> SlaPolicy:
    _require_sla_admin(actor)
    with transaction.atomic():
        policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
        for name, value in fields.items():
            setattr(policy, name, value)
        _check_targets(policy.response_target, policy.resolution_target)
        _check_policy_unique(priority=policy.priority, service=policy.service, exclude_pk=policy.pk)
        policy.save()
    return policy


def sla_policy_delete(*, policy: SlaPolicy, actor) -> None:
    _require_sla_admin(actor)
    policy.delete()
