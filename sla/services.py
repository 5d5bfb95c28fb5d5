from datetime import timedelta

import holidays as holidays_package
from django.db import transaction
from django.utils import timezone

from core.errors import InvalidInput
from core.permissions import require
from core.validation import field_errors

from .models import Calendar, Holiday, SlaPolicy
from .permissions import MANAGE_POLICIES


def calendar_fill_holidays(*, calendar: Calendar, years: list[int] | None = None) -> int:
    """Add the public holidays of the calendar's country (this year and next by default); returns
    how many were new. Holidays already there are kept as they are."""
    this_year = timezone.now().year
    named = holidays_package.country_holidays(
        calendar.country, subdiv=calendar.subdivision or None, years=years or [this_year, this_year + 1]
    )
    with transaction.atomic():
        known = set(calendar.holidays.values_list("date", flat=True))
        new = [
            Holiday(calendar=calendar, date=day, name=name[:120])
            for day, name in sorted(named.items())
            if day not in known
        ]
        Holiday.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


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
