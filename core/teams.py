"""Assignment groups are teams, never the role groups that grant permissions (core.roles): assigning an
incident or a change to `viewer` would notify, and hand work to, everyone holding that role.

A team is any group that is not a role; core.Team adds what OpsDesk knows about it (lead, escalation
group) where that is configured."""

from django.contrib.auth.models import Group
from django.db.models import QuerySet

from core import roles


def assignable_groups() -> QuerySet[Group]:
    """The groups work may be assigned to, by name (forms and API inputs take their choices here)."""
    return Group.objects.exclude(name__in=roles.ALL_ROLES).order_by("name")


def assignment_group_error(group: Group | None) -> str | None:
    """Why `group` cannot be an assignment group, or None (no group is fine)."""
    if group is not None and group.name in roles.ALL_ROLES:
        return f"'{group.name}' is a role, not a team: assign work to a team."
    return None
