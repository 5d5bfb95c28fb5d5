"""Every non-trivial read of incidents."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from operator import attrgetter

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import F, Prefetch, QuerySet

from core import roles
from core.api import rows
from core.models import Team, TimelineEntry
from core.timeline import newest_entries, timeline_for
from sla.models import Escalation, SlaClock
from sla.selectors import escalation_annotations

from .models import Incident


def incident_list(*, clock_columns: Sequence[str] = ()) -> QuerySet[Incident]:
    """Incidents with everything a list row shows (two queries: rows, then their SLA clocks, whole
    or only `clock_columns`), annotated with `escalation_level` / `next_escalation_at` from the
    incident's escalation. "Due soonest" reads the stored column `sla_due_at` (the SLA engine keeps it)."""
    return (
        Incident.objects.select_related("service", "ci", "assignee", "assignment_group", "reporter", "caller")
        .prefetch_related(Prefetch("sla_clocks", queryset=_clocks(clock_columns)))
        .annotate(**escalation_annotations(Incident))
    )


def incident_queue() -> QuerySet[Incident]:
    """Incidents as model instances with what a queue-like row shows (incident_list()'s annotations, the
    service's and assignee's names, the SLA clocks as the list `sla_clock_list`): the header's search
    page lists them. The queue page itself reads plain values (incident_queue_page)."""
    clocks = Prefetch("sla_clocks", queryset=SlaClock.objects.order_by("-target"), to_attr="sla_clock_list")
    return (
        incident_list()
        .select_related(None)
        .select_related("service", "assignee")
        .prefetch_related(None)
        .prefetch_related(clocks)
        .only(
            "number",
            "title",
            "priority",
            "status",
            "version",
            "created_at",
            "service__name",
            "assignee__username",
        )
    )


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue, read without counting a large table: the rows come from a LIMIT of one
    row more than shown (so `has_next` is known) and the count stops at `count_cap` (`count_is_exact`
    False: "more than count_cap")."""

    object_list: list[dict]
    number: int
    has_next: bool
    count: int
    count_cap: int
    page_size: int

    @property
    def count_is_exact(self) -> bool:
        return self.count <= self.count_cap

    @property
    def num_pages(self) -> int | None:
        return max(1, -(-self.count // self.page_size)) if self.count_is_exact else None

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


# What a queue row shows, read as plain values (no model instances): the incident's own columns and its
# service's and assignee's names, joined in the same statement.
QUEUE_COLUMNS = ("id", "number", "title", "priority", "status", "version", "created_at")
QUEUE_NAMES = {"service_name": F("service__name"), "assignee_name": F("assignee__username")}
# What the queue's SLA cell reads of a clock (incidents/sla_display.py).
QUEUE_CLOCK_COLUMNS = (
    "object_id", "target", "target_duration", "elapsed", "running_since", "stopped_at", "at_risk_at", "due_at",
    "breached_at",
)  # fmt: skip


def incident_queue_page(
    queryset: QuerySet[Incident], *, ordering, number: int, page_size: int, count_cap: int, max_page: int
) -> QueuePage:
    """Page `number` (clamped to 1..the last page, and to `max_page`, which bounds the OFFSET) of the
    filtered `queryset` (e.g. IncidentFilter(...).qs over Incident.objects) in `ordering`, each row a
    dict of QUEUE_COLUMNS, `service_name`, `assignee_name` and `sla_clocks` (the SLA clocks, response
    first, with QUEUE_CLOCK_COLUMNS). Three queries whatever the table's size: a count of at most
    `count_cap + 1` ids, the page, its clocks; each an index scan with a LIMIT when an index matches the
    filter and the ordering."""
    count = queryset.order_by().values("pk")[: count_cap + 1].count()
    last = -(-count // page_size) if count <= count_cap else max_page
    number = max(1, min(number, last, max_page))
    offset = (number - 1) * page_size
    found = list(
        queryset.order_by(*ordering).values(*QUEUE_COLUMNS, **QUEUE_NAMES)[offset : offset + page_size + 1]
    )
    has_next = len(found) > page_size and number < max_page
    page = found[:page_size]
    clocks = _clocks_by_incident([row["id"] for row in page], QUEUE_CLOCK_COLUMNS)
    for row in page:
        row["sla_clocks"] = clocks.get(row["id"], [])
    return QueuePage(page, number, has_next, count, count_cap, page_size)


# What a row shows of its related records (their id, name or username): no password hashes or
# service descriptions travel for a page of incidents.
ROW_RELATED_COLUMNS = {
    "service": ("name", "slug"), "ci": ("name",), "assignment_group": ("name",), "assignee": ("username",),
    "reporter": ("username",), "caller": ("username",),
}  # fmt: skip


# What a row shows of its SLA clocks (the API's SlaClockSerializer), and the keys that match them up.
ROW_CLOCK_COLUMNS = (
    "content_type_id", "object_id", "target", "target_duration", "elapsed", "running_since", "stopped_at",
    "at_risk_at", "due_at", "warned_50_at", "warned_75_at", "breached_at",
)  # fmt: skip


def _clocks(columns: Sequence[str]) -> QuerySet[SlaClock]:
    clocks = SlaClock.objects.order_by("-target")
    return clocks.only(*columns) if columns else clocks


def _clocks_by_incident(ids: list[int], columns: Sequence[str]) -> dict[int, list[SlaClock]]:
    """The SLA clocks of the incidents `ids` (response first), with only `columns`, by incident id: one
    query (none for no id)."""
    if not ids:
        return {}
    clocks = rows.select_in(
        SlaClock,
        columns,
        ids,
        key="object_id",
        where={"content_type": ContentType.objects.get_for_model(Incident).pk},
        order=("object_id", "-target"),
    )
    found: dict[int, list[SlaClock]] = defaultdict(list)
    for clock in clocks:
        found[clock.object_id].append(clock)
    return found


def _attach_clocks(incidents: list[Incident]) -> None:
    """Each incident's SLA clocks (response first) as the list `sla_clock_list`: one query."""
    clocks = _clocks_by_incident([incident.pk for incident in incidents], ROW_CLOCK_COLUMNS)
    for incident in incidents:
        incident.sla_clock_list = clocks.get(incident.pk, [])


def _attach_escalations(incidents: list[Incident]) -> None:
    """Each incident's `escalation_level` (0 when none) and `next_escalation_at`, as
    sla.selectors.escalation_annotations() gives them to list querysets: one query."""
    escalations = rows.select_in(
        Escalation,
        ("object_id", "level", "next_due_at"),
        [incident.pk for incident in incidents],
        key="object_id",
        where={"content_type": ContentType.objects.get_for_model(Incident).pk},
    )
    found = {escalation.object_id: escalation for escalation in escalations}
    for incident in incidents:
        escalation = found.get(incident.pk)
        incident.escalation_level = escalation.level if escalation else 0
        incident.next_escalation_at = escalation.next_due_at if escalation else None


def incident_rows() -> QuerySet[Incident]:
    """What the API shows of incidents, for read-only endpoints (a service writing an incident wants
    them whole): the incident's own columns, then (once fetched) the related records' shown columns,
    the escalation level and the SLA clocks (as the list `sla_clock_list`), by one plain query per
    related model, one for the escalations and one for the clocks (core.api.rows: planning a join with
    five tables cost more than the page's SQL, compiling it more CPU than the plain queries, and the
    escalation subqueries ran twice per row)."""
    global _ROWS
    if _ROWS is None:  # built once: a queryset is a template each use clones
        own = [field.name for field in Incident._meta.concrete_fields]
        attachers = (rows.related_rows(Incident, ROW_RELATED_COLUMNS), _attach_escalations, _attach_clocks)
        _ROWS = rows.AttachingQuerySet(Incident).only(*own).attach(*attachers)
    return _ROWS.all()


_ROWS: QuerySet[Incident] | None = None


# What a service that has just filed an incident leaves on it for incident_row(): the SLA clocks and
# the escalation (or None) it created. Private names, taken off by incident_row(): the public
# `sla_clock_list` / `escalation_level` would be trusted by later reads of the same instance and go
# stale after its next change.
FILED_CLOCKS = "_filed_sla_clocks"
FILED_ESCALATION = "_filed_escalation"


def incident_row(incident: Incident) -> Incident:
    """`incident` as a service of this request just wrote and returned it (its related records loaded),
    completed with what incident_rows() adds (escalation, SLA clocks): what the filing service created
    when it left them on the incident, else two small queries, instead of reading it again with its
    related records."""
    state = incident.__dict__
    if FILED_ESCALATION in state:
        escalation = state.pop(FILED_ESCALATION)
        incident.escalation_level = escalation.level if escalation else 0
        incident.next_escalation_at = escalation.next_due_at if escalation else None
    else:
        _attach_escalations([incident])
    if FILED_CLOCKS in state:
        incident.sla_clock_list = sorted(state.pop(FILED_CLOCKS), key=attrgetter("target"), reverse=True)
    else:
        _attach_clocks([incident])
    return incident


_SHOWN_OWN = [field.name for field in Incident._meta.concrete_fields]
_SHOWN_CLOCKS = [field.name for field in SlaClock._meta.concrete_fields]
_attach_shown_related = rows.related_rows(Incident, ROW_RELATED_COLUMNS)


def incident_shown(pk: int) -> Incident | None:
    """One incident as its page shows it (None if there is none): its own columns, the shown columns
    of its related records (one plain query per related model, as incident_rows()) and all of its SLA
    clocks as the list `sla_clock_list` (response first). Plain statements built from the models: the
    ORM compiled the incident's statement and the clocks' prefetch anew on every page view, ~1.5 ms of
    CPU for reads that take PostgreSQL a tenth of that. For showing, not for services (no `__init__`,
    no signals: core.api.rows.loaded)."""
    found = rows.select_in(Incident, _SHOWN_OWN, [pk])
    if not found:
        return None
    _attach_shown_related(found)
    found[0].sla_clock_list = _clocks_by_incident([pk], _SHOWN_CLOCKS).get(pk, [])
    return found[0]


def incident_watchers(incident: Incident) -> list:
    """The incident's watchers by username, with only their id and username: one plain statement
    built once per process (compiling the ORM's join cost more than running it, on every page view)."""
    with connection.prepared_cursor() as cursor:
        cursor.execute(_watchers_statement(), [incident.pk])
        user, alias = get_user_model(), connection.alias
        return [rows.loaded(user, alias, ("id", "username"), row) for row in cursor]


@cache
def _watchers_statement() -> str:
    through, users = Incident.watchers.through._meta, get_user_model()._meta
    quote = connection.ops.quote_name
    user_id, username = quote(users.pk.column), quote(users.get_field("username").column)
    return (
        f"SELECT u.{user_id}, u.{username} FROM {quote(users.db_table)} u"
        f" JOIN {quote(through.db_table)} w ON w.{quote(through.get_field('user').column)} = u.{user_id}"
        f" WHERE w.{quote(through.get_field('incident').column)} = %s ORDER BY u.{username}"
    )


RELATED_DAYS = 7
RELATED_LIMIT = 10


def incident_related(incident: Incident, *, now) -> list[Incident]:
    """Other incidents on the same configuration item filed in the last RELATED_DAYS days, newest
    first, at most RELATED_LIMIT: one query off the (ci, created_at) index; none without a CI."""
    if incident.ci_id is None:
        return []
    return list(
        Incident.objects.filter(ci_id=incident.ci_id, created_at__gte=now - timedelta(days=RELATED_DAYS))
        .exclude(pk=incident.pk)
        .order_by("-created_at")
        .only("number", "title", "status", "priority", "created_at")[:RELATED_LIMIT]
    )


def incident_timeline(*, incident: Incident, viewer: AbstractBaseUser) -> QuerySet[TimelineEntry]:
    """The incident's history; internal work notes only for those who may read them."""
    return timeline_for(incident, include_internal=roles.can_read_internal_notes(viewer))


TIMELINE_PAGE = 30


@dataclass(frozen=True)
class TimelineCursor:
    """Where an older page of a timeline starts: just before the entry (`created_at`, `id`) shown last."""

    created_at: datetime
    id: int


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    older: TimelineCursor | None  # None: this page reaches the first entry


def incident_timeline_page(
    *,
    incident: Incident,
    viewer: AbstractBaseUser,
    before: TimelineCursor | None = None,
    size: int | None = None,
) -> TimelinePage:
    """The `size` (TIMELINE_PAGE) newest entries of the incident's timeline (older than `before`, if given), newest
    first: one query off the (subject, created_at) index, whatever the timeline's length (one row more
    than shown tells whether older entries remain)."""
    size = size or TIMELINE_PAGE
    rows_ = newest_entries(
        incident,
        include_internal=roles.can_read_internal_notes(viewer),
        before=(before.created_at, before.id) if before is not None else None,
        limit=size + 1,
    )
    shown = rows_[:size]
    older = TimelineCursor(shown[-1].created_at, shown[-1].id) if len(rows_) > size else None
    return TimelinePage(shown, older)


class Audience:
    """Who hears about an incident's events: its responsible people, its team, the managers.
    Remembers team members and managers, so a sweep firing hundreds of events asks once each."""

    def __init__(self):
        self._members: dict[int, list] = {}
        self._managers: list | None = None
        self._leads: dict[int, object] = {}

    def responsible(self, incident: Incident) -> list:
        """The assignee, else the assignment group's members."""
        if incident.assignee_id and incident.assignee.is_active:
            return [incident.assignee]
        return self.team(incident)

    def team(self, incident: Incident) -> list:
        group_id = incident.assignment_group_id
        if group_id is None:
            return []
        if group_id not in self._members:
            self._members[group_id] = list(
                get_user_model().objects.filter(is_active=True, groups__id=group_id)
            )
        return self._members[group_id]

    def managers(self) -> list:
        if self._managers is None:
            self._managers = list(
                get_user_model().objects.filter(is_active=True, groups__name=roles.MANAGER).distinct()
            )
        return self._managers

    def lead(self, incident: Incident):
        group_id = incident.assignment_group_id
        if group_id not in self._leads:
            team = Team.objects.filter(group_id=group_id).select_related("lead").first()
            self._leads[group_id] = team.lead if team and team.lead and team.lead.is_active else None
        return self._leads[group_id]
