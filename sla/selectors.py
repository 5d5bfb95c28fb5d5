from django.db.models import F, Q, QuerySet

from catalog.models import Service
from core.businesstime import ALWAYS, WorkingCalendar

from .models import Calendar, EscalationPolicy, SlaPolicy


def sla_policy_list() -> QuerySet[SlaPolicy]:
    return SlaPolicy.objects.select_related("service", "calendar")


def sla_policy_for(*, priority: int, service: Service | None) -> SlaPolicy | None:
    """The service's own policy for the priority, else the default one (no service)."""
    candidates = SlaPolicy.objects.filter(Q(service=service) | Q(service__isnull=True), priority=priority)
    return candidates.select_related("calendar").order_by(F("service_id").asc(nulls_last=True)).first()


def working_calendar(calendar_id: int | None) -> WorkingCalendar:
    if calendar_id is None:
        return ALWAYS
    calendar = Calendar.objects.prefetch_related("periods", "holidays").get(pk=calendar_id)
    return calendar.as_working_calendar()


def escalation_policy_list() -> QuerySet[EscalationPolicy]:
    return EscalationPolicy.objects.select_related("service").prefetch_related(
        "levels__notify_users", "levels__notify_group", "levels__reassign_to_group"
    )


def escalation_policy_for(*, priority: int, service: Service | None) -> EscalationPolicy | None:
    """The most specific active policy: service and priority, then service, then priority, then any."""
    candidates = EscalationPolicy.objects.filter(
        Q(service=service) | Q(service__isnull=True),
        Q(priority=priority) | Q(priority__isnull=True),
        active=True,
    )
    ranked = sorted(candidates, key=lambda p: (p.service_id is None, p.priority is None, p.pk))
    return ranked[0] if ranked else None
