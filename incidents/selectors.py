"""Every non-trivial read of incidents."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from core import roles
from core.models import TimelineEntry
from core.timeline import timeline_for

from .models import Incident


def incident_list() -> QuerySet[Incident]:
    """Incidents with everything a list row shows, in one query."""
    return Incident.objects.select_related("service", "ci", "assignee", "assignment_group", "reporter")


def incident_timeline(*, incident: Incident, viewer: AbstractBaseUser) -> QuerySet[TimelineEntry]:
    """The incident's history; internal work notes only for those who may read them."""
    return timeline_for(incident, include_internal=roles.can_read_internal_notes(viewer))
