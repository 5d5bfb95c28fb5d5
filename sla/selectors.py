from functools import cache

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import Exists, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from catalog.models import Service
from core.api import rows
from core.businesstime import ALWAYS, WorkingCalendar

from .models import Calendar, Escalation, EscalationPolicy, SlaClock, SlaPolicy, SlaTarget


def sla_policy_list() -> QuerySet[SlaPolicy]:
    return SlaPolicy.objects.select_related("service", "calendar").prefetch_related("targets")


# The applicable SLA policy's id (parameters: process, priority, service id or None): the service's own
# policy for the process and priority, else the default one (no service). The one definition of it.
APPLICABLE_SLA_POLICY = """
    SELECT p.id FROM sla_slapolicy p
    WHERE p.process = %s AND p.priority = %s AND (p.service_id = %s OR p.service_id IS NULL)
    ORDER BY p.service_id NULLS LAST LIMIT 1"""


def sla_policy_for(*, process: str, priority: int, service: Service | None) -> SlaPolicy | None:
    """The service's own policy for the process and priority, else the default one (no service),
    with its targets (two queries)."""
    applicable = RawSQL(APPLICABLE_SLA_POLICY, (process, priority, getattr(service, "pk", None)))
    return SlaPolicy.objects.filter(pk=applicable).prefetch_related("targets").first()


@cache
def _targets_starting_sql() -> str:
    target, policy = rows.columns(SlaTarget, "t"), rows.columns(SlaPolicy, "p")
    return (
        f"SELECT {target.sql}, {policy.sql} FROM sla_slatarget t JOIN sla_slapolicy p ON p.id = t.policy_id"
        f" WHERE t.policy_id = ({APPLICABLE_SLA_POLICY}) AND %s = ANY(t.start_on) ORDER BY t.position, t.name"
    )


def sla_targets_starting(
    *, process: str, priority: int, service: Service | None, action: str
) -> list[SlaTarget]:
    """The targets of the applicable policy that `action` starts, each with its policy: one plain
    statement, prepared (connection.prepared_cursor()). Every filing and transition reads them; the
    ORM compiled the statement anew each time, ~1 ms of CPU against ~0.1 ms for PostgreSQL."""
    with connection.prepared_cursor() as cursor:
        cursor.execute(_targets_starting_sql(), [process, priority, getattr(service, "pk", None), action])
        found = cursor.fetchall()
    if not found:
        return []
    target, policy = rows.columns(SlaTarget, "t"), rows.columns(SlaPolicy, "p")
    width = len(target.names)
    shared = policy.load(found[0][width:])  # one policy, the same on every row
    targets = [target.load(row[:width]) for row in found]
    for each in targets:
        each.policy = shared
    return targets


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


@cache
def _escalation_policy_sql() -> str:
    policy, calendar = rows.columns(EscalationPolicy, "e"), rows.columns(Calendar, "c")
    return (
        f"SELECT {policy.sql}, {calendar.sql} FROM sla_escalationpolicy e"
        " LEFT JOIN sla_calendar c ON c.id = e.calendar_id"
        " WHERE e.process = %s AND e.active AND (e.service_id = %s OR e.service_id IS NULL)"
        " AND (e.priority = %s OR e.priority IS NULL)"
        " ORDER BY e.service_id IS NULL, e.priority IS NULL, e.id LIMIT 1"
    )


def escalation_policy_for(
    *, process: str, priority: int | None, service: Service | None
) -> EscalationPolicy | None:
    """The most specific active policy of the process: service and priority, then service, then
    priority, then any; with its calendar. One plain statement, prepared, as sla_targets_starting()."""
    with connection.prepared_cursor() as cursor:
        cursor.execute(_escalation_policy_sql(), [process, getattr(service, "pk", None), priority])
        row = cursor.fetchone()
    if row is None:
        return None
    columns = rows.columns(EscalationPolicy, "e")
    found = columns.load(row[: len(columns.names)])
    found.calendar = (
        rows.columns(Calendar, "c").load(row[len(columns.names) :]) if found.calendar_id else None
    )
    return found


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
