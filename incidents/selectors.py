"""Every non-trivial read of incidents."""

from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from core import roles
from core.models import Team, TimelineEntry
from core.timeline import timeline_for
from sla.models import SlaClock
from sla.selectors import escalation_annotations, sla_clocks_of

from .models import Incident


def incident_list(*, clock_columns: Sequence[str] = ()) -> QuerySet[Incident]:
    """Incidents with everything a list row shows (two queries: rows, then their SLA clocks, whole
    or only `clock_columns`), annotated with `sla_due_at`: the soonest deadline of a running clock
    (for "due soonest"), and `escalation_level` / `next_escalation_at` from the incident's escalation."""
    soonest = (
        sla_clocks_of(Incident)
        .filter(object_id=OuterRef("pk"), due_at__isnull=False)
        .order_by("due_at")
        .values("due_at")[:1]
    )
    return (
        Incident.objects.select_related("service", "ci", "assignee", "assignment_group", "reporter")
        .prefetch_related(Prefetch("sla_clocks", queryset=_clocks(clock_columns)))
        .annotate(sla_due_at=Subquery(soonest), **escalation_annotations(Incident))
    )


# What a row shows of its related records (their id, name or username): no password hashes or
# service descriptions travel for a page of incidents.
ROW_RELATED_COLUMNS = (
    "service__name", "service__slug", "ci__name", "assignment_group__name", "assignee__username",
    "reporter__username",
)  # fmt: skip


# What a row shows of its SLA clocks (the API's SlaClockSerializer), and the keys that match them up.
ROW_CLOCK_COLUMNS = (
    "content_type_id", "object_id", "target", "target_duration", "elapsed", "running_since", "stopped_at",
    "at_risk_at", "due_at", "warned_50_at", "warned_75_at", "breached_at",
)  # fmt: skip


def _clocks(columns: Sequence[str]) -> QuerySet[SlaClock]:
    clocks = SlaClock.objects.order_by("-target")
    return clocks.only(*columns) if columns else clocks


def incident_rows() -> QuerySet[Incident]:
    """incident_list() reading only the columns a row shows of its related records and clocks, for
    read-only endpoints (a service writing an incident wants them whole)."""
    own = [field.name for field in Incident._meta.concrete_fields]
    return incident_list(clock_columns=ROW_CLOCK_COLUMNS).only(*own, *ROW_RELATED_COLUMNS)


def incident_timeline(*, incident: Incident, viewer: AbstractBaseUser) -> QuerySet[TimelineEntry]:
    """The incident's history; internal work notes only for those who may read them."""
    return timeline_for(incident, include_internal=roles.can_read_internal_notes(viewer))


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
