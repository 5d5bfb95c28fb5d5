from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from catalog.models import Service
from core.api import rows
from core.businesstime import ALWAYS, WorkingCalendar

from .models import Calendar, Escalation, EscalationPolicy, SlaClock, SlaPolicy, SlaTarget


def sla_policy_list() -> QuerySet[SlaPolicy]:
    return SlaPolicy.objects.select_related("service", "calendar").prefetch_related("targets")


def _policies_for(*, process: str, priority: int, service: Service | None) -> QuerySet[SlaPolicy]:
    """The process's policies for the priority, the service's own first, then the default one."""
    candidates = SlaPolicy.objects.filter(
        Q(service=service) | Q(service__isnull=True), process=process, priority=priority
    )
    return candidates.order_by(F("service_id").asc(nulls_last=True))


def sla_policy_for(*, process: str, priority: int, service: Service | None) -> SlaPolicy | None:
    """The service's own policy for the process and priority, else the default one (no service),
    with its targets (two queries)."""
    return (
        _policies_for(process=process, priority=priority, service=service).prefetch_related("targets").first()
    )


def sla_targets_starting(
    *, process: str, priority: int, service: Service | None, action: str
) -> list[SlaTarget]:
    """The targets of the applicable policy that `action` starts (one query)."""
    policy = _policies_for(process=process, priority=priority, service=service).values("pk")[:1]
    return list(
        SlaTarget.objects.filter(policy__in=policy, start_on__contains=[action]).select_related("policy")
    )


def working_calendar(calendar_id: int | None) -> WorkingCalendar:
    if calendar_id is None:
        return ALWAYS
    calendar = Calendar.objects.prefetch_related("periods", "holidays").get(pk=calendar_id)
    return calendar.as_working_calendar()


def sla_clocks_of(model: type[Model]) -> QuerySet[SlaClock]:
    """The clocks of one model's records (e.g. for a subquery on `object_id`)."""
    return SlaClock.objects.filter(content_type=ContentType.objects.get_for_model(model))


def with_sla_clock(queryset: QuerySet, condition: Q) -> QuerySet:
    """The records of `queryset` that have a clock matching `condition` (e.g. states.breached_q)."""
    clocks = sla_clocks_of(queryset.model).filter(condition, object_id=OuterRef("pk"))
    return queryset.filter(Exists(clocks))


def escalation_policy_list() -> QuerySet[EscalationPolicy]:
    return EscalationPolicy.objects.select_related("service", "calendar").prefetch_related(
        "levels__notify_users", "levels__notify_group", "levels__reassign_to_group"
    )


def escalation_policy_for(
    *, process: str, priority: int | None, service: Service | None
) -> EscalationPolicy | None:
    """The most specific active policy of the process: service and priority, then service, then
    priority, then any."""
    candidates = EscalationPolicy.objects.filter(
        Q(service=service) | Q(service__isnull=True),
        Q(priority=priority) | Q(priority__isnull=True),
        process=process,
        active=True,
    ).select_related("calendar")
    ranked = sorted(candidates, key=lambda p: (p.service_id is None, p.priority is None, p.pk))
    return ranked[0] if ranked else None


def escalation_of(record: models.Model, *, lock: bool = False) -> Escalation | None:
    """The record's escalation with its policy and calendar (locked for the caller's transaction)."""
    escalations = Escalation.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk
    )
    if lock:
        escalations = escalations.select_for_update(of=("self",))
    related = escalations.select_related("policy", "calendar")
    return related.prefetch_related("calendar__periods", "calendar__holidays").first()


_SHOWN_ESCALATION = [field.name for field in Escalation._meta.concrete_fields]


def escalation_shown(record: models.Model) -> Escalation | None:
    """The record's escalation as a page shows it, with its policy's name and state but not its
    calendar: one plain query when there is none, two when there is. escalation_of() compiles a
    three-table join (~1 ms of CPU, most of a page view's reads) and prefetches the calendar's
    periods and holidays, which only scheduling needs."""
    kind = ContentType.objects.get_for_model(record)
    found = rows.select_in(
        Escalation, _SHOWN_ESCALATION, [record.pk], key="object_id", where={"content_type": kind.pk}
    )
    if not found:
        return None
    escalation = found[0]
    policy = rows.select_in(EscalationPolicy, ("name", "active"), [escalation.policy_id])[0]
    Escalation._meta.get_field("policy").set_cached_value(escalation, policy)
    return escalation


def escalation_annotations(model: type[models.Model]) -> dict:
    """`escalation_level` (0 when none) and `next_escalation_at` of each row of `model`, as
    annotations for list querysets (no query per row)."""
    mine = Escalation.objects.filter(
        content_type__app_label=model._meta.app_label,
        content_type__model=model._meta.model_name,
        object_id=OuterRef("pk"),
    )
    return {
        "escalation_level": Coalesce(Subquery(mine.values("level")[:1]), 0),
        "next_escalation_at": Subquery(mine.values("next_due_at")[:1]),
    }
