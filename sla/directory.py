"""Who an escalation batch tells and where it reassigns to: teams, group members, managers and the
users and groups named by levels, each loaded once per batch (a fixed number of queries)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core import roles
from core.models import Team


class Directory:
    def __init__(self, *, group_ids: set[int], user_ids: set[int], managers: bool):
        # Teams are a small configuration table: all of them, so a chain of "raise to the next
        # group" within one batch never needs another query.
        self.teams = {team.group_id: team for team in Team.objects.select_related("lead", "escalation_group")}
        group_ids = {pk for pk in group_ids if pk} | {
            team.escalation_group_id for team in self.teams.values() if team.escalation_group_id
        }
        user_model = get_user_model()
        self.groups = Group.objects.in_bulk(group_ids) if group_ids else {}
        self.members: dict[int, list] = defaultdict(list)
        if group_ids:
            memberships = user_model.groups.through.objects.filter(
                group_id__in=group_ids, user__is_active=True
            ).select_related("user")
            for membership in memberships.order_by("user_id"):
                self.members[membership.group_id].append(membership.user)
        users = user_model.objects.filter(pk__in=user_ids, is_active=True) if user_ids else []
        self.users = {user.pk: user for user in users}
        self.managers = (
            list(user_model.objects.filter(is_active=True, groups__name=roles.MANAGER).distinct())
            if managers
            else []
        )

    @classmethod
    def for_levels(cls, *, group_ids: set[int | None], levels: Iterable) -> Directory:
        """Everything the levels may need for records assigned to `group_ids`."""
        levels = list(levels)
        return cls(
            group_ids={pk for pk in group_ids if pk}
            | {level.notify_group for level in levels if level.notify_group}
            | {level.reassign_to_group for level in levels if level.reassign_to_group},
            user_ids={pk for level in levels for pk in level.notify_users},
            managers=any(level.notify_managers for level in levels),
        )

    def lead(self, group_id: int | None):
        team = self.teams.get(group_id)
        return team.lead if team and team.lead and team.lead.is_active else None

    def recipients(self, level, *, group_id: int | None) -> list:
        """Whom `level` notifies for a record assigned to `group_id` (before any reassignment)."""
        found = [self.users[pk] for pk in level.notify_users if pk in self.users]
        if level.notify_group:
            found += self.members[level.notify_group]
        if level.notify_assignment_group and group_id:
            found += self.members[group_id]
        if level.notify_group_lead and (lead := self.lead(group_id)):
            found.append(lead)
        if level.notify_managers:
            found += self.managers
        return found
