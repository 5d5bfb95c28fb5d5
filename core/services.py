"""Writes to the kernel's configuration: teams, and who holds which role (audited)."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractUser, Group, Permission
from django.db import transaction

from core.errors import NotPermitted

from .audit import audit_actor
from .config import config_create, config_delete, config_update
from .models import Team


def team_create(*, actor, group: Group, lead=None, escalation_group: Group | None = None) -> Team:
    return config_create(Team, actor=actor, group=group, lead=lead, escalation_group=escalation_group)


def team_update(*, team: Team, actor, **fields) -> Team:
    """Fields: group, lead, escalation_group."""
    return config_update(team, actor=actor, **fields)


def team_delete(*, team: Team, actor) -> None:
    config_delete(team, actor=actor)


def _check_may_set_roles(actor, *, grants_admin: bool) -> None:
    if not getattr(actor, "is_superuser", False) and not (
        actor.has_perm("auth.change_user") and not grants_admin
    ):
        raise NotPermitted(
            "Only superusers may change staff or superuser status."
            if grants_admin
            else "You may not change users' roles."
        )


def user_set_roles(
    *,
    actor,
    user: AbstractUser,
    groups: Iterable[Group] | None = None,
    permissions: Iterable[Permission] | None = None,
    is_active: bool | None = None,
    is_staff: bool | None = None,
    is_superuser: bool | None = None,
) -> AbstractUser:
    """Set what `user` may do: role groups, direct permissions and the access flags (None: unchanged).
    Staff and superuser status are for superusers to give or take."""
    flags = {"is_active": is_active, "is_staff": is_staff, "is_superuser": is_superuser}
    flags = {name: value for name, value in flags.items() if value is not None}
    _check_may_set_roles(actor, grants_admin=bool({"is_staff", "is_superuser"} & flags.keys()))
    with transaction.atomic(), audit_actor(actor):
        current = type(user)._default_manager.select_for_update().get(pk=user.pk)
        changed = [name for name, value in flags.items() if getattr(current, name) != value]
        for name in changed:
            setattr(current, name, flags[name])
        if changed:
            current.save(update_fields=changed)
        if groups is not None:
            current.groups.set(groups)
        if permissions is not None:
            current.user_permissions.set(permissions)
    user._opsdesk_roles = None  # the caller's cached role names (core.roles) are stale now
    return current
