"""Every non-trivial read of incidents."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from core import roles
from core.models import Team, TimelineEntry
from core.timeline import timeline_for

from .models import Incident, IncidentSlaClock


def incident_list() -> QuerySet[Incident]:
    """Incidents with everything a list row shows (two queries: rows, then their SLA clocks),
    annotated with `sla_due_at`: the soonest deadline of a running clock (for "due soonest")."""
    soonest = (
        IncidentSlaClock.objects.filter(incident=OuterRef("pk"), due_at__isnull=False)
        .order_by("due_at")
        .values("due_at")[:1]
    )
    return (
        Incident.objects.select_related("service", "ci", "assignee", "assignment_group", "reporter")
        .prefetch_related(Prefetch("sla_clocks", queryset=IncidentSlaClock.objects.order_by("-target")))
        .annotate(sla_due_at=Subquery(soonest))
    )


def incident_timeline(*, incident: Incident, viewer: AbstractBaseUser) -> QuerySet[TimelineEntry]:
    """The incident's history; internal work notes only for those who may read them."""
    return timeline_for(incident, include_internal=roles.can_read_internal_notes(viewer))


def incident_responsible(incident: Incident) -> list:
    """Who answers for the incident now: the assignee, else the assignment group's members."""
    if incident.assignee_id and incident.assignee.is_active:
        return [incident.assignee]
    return incident_group_members(incident)


def incident_group_members(incident: Incident) -> list:
    if not incident.assignment_group_id:
        return []
    return list(incident.assignment_group.user_set.filter(is_active=True))


def managers() -> list:
    return list(get_user_model().objects.filter(is_active=True, groups__name=roles.MANAGER).distinct())


def group_lead(incident: Incident):
    team = Team.objects.filter(group_id=incident.assignment_group_id).select_related("lead").first()
    return team.lead if team and team.lead and team.lead.is_active else None
