from datetime import timedelta

from django.db import transaction

from core.errors import InvalidInput
from core.permissions import require
from core.validation import field_errors

from .models import SlaPolicy
from .permissions import MANAGE_POLICIES


def _check_policy_unique(*, priority: int, service, exclude_pk: int | None = None) -> None:
    clash = SlaPolicy.objects.filter(priority=priority, service=service).exclude(pk=exclude_pk)
    if clash.exists():
        scope = f"service '{service}'" if service else "the default (all services)"
        raise InvalidInput({"priority": f"{scope} already has a policy for P{priority}."})


def _check_targets(response_target: timedelta, resolution_target: timedelta) -> None:
    with field_errors() as errors:
        errors.check(response_target > timedelta(0), "response_target", "Must be longer than zero.")
        errors.check(resolution_target > timedelta(0), "resolution_target", "Must be longer than zero.")


def sla_policy_create(*, actor, **fields) -> SlaPolicy:
    """A new policy; it applies to incidents filed (or re-prioritised) from now on."""
    require(actor, MANAGE_POLICIES)
    _check_targets(fields["response_target"], fields["resolution_target"])
    with transaction.atomic():
        _check_policy_unique(priority=fields["priority"], service=fields.get("service"))
        return SlaPolicy.objects.create(**fields)


def sla_policy_update(*, policy: SlaPolicy, actor, **fields) -> SlaPolicy:
    require(actor, MANAGE_POLICIES)
    with transaction.atomic():
        policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
        for name, value in fields.items():
            setattr(policy, name, value)
        _check_targets(policy.response_target, policy.resolution_target)
        _check_policy_unique(priority=policy.priority, service=policy.service, exclude_pk=policy.pk)
        policy.save()
    return policy


def sla_policy_delete(*, policy: SlaPolicy, actor) -> None:
    require(actor, MANAGE_POLICIES)
    policy.delete()
