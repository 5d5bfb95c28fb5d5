"""Role names and the generic predicates built on them (django-rules). Roles are Django groups
(created by a data migration). What each process lets a role do lives in that process's
`permissions.py`; core only knows who holds which role and the few rules shared by every process
(reading internal notes, configuring OpsDesk)."""

import rules
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

AGENT = "agent"
CHANGE_MANAGER = "change_manager"
CAB_TECH_LEAD = "cab_tech_lead"
CAB_PRODUCT_OWNER = "cab_product_owner"
CAB_OPS_MANAGER = "cab_ops_manager"
MANAGER = "manager"
VIEWER = "viewer"

CAB_ROLES = (CAB_TECH_LEAD, CAB_PRODUCT_OWNER, CAB_OPS_MANAGER)
ALL_ROLES = (AGENT, CHANGE_MANAGER, CAB_TECH_LEAD, CAB_PRODUCT_OWNER, CAB_OPS_MANAGER, MANAGER, VIEWER)

User = AbstractBaseUser | AnonymousUser


def remember_roles(user: AbstractBaseUser, names) -> None:
    """Cache `names` as the user's roles for the request (what roles_of() would read)."""
    user._opsdesk_roles = frozenset(names)


def roles_of(user: User) -> frozenset[str]:
    """The user's role names, cached on the instance for the request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_opsdesk_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ALL_ROLES).values_list("name", flat=True))
        user._opsdesk_roles = cached
    return cached


@rules.predicate
def is_active_user(user: User) -> bool:
    """Signed in and not deactivated: a deactivated account may do nothing, superuser or not."""
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


@rules.predicate
def is_superuser(user: User) -> bool:
    return bool(getattr(user, "is_superuser", False))


def has_role(*names: str) -> rules.Predicate:
    """A predicate: an active user holding one of `names`, or an active superuser."""
    wanted = frozenset(names)

    @rules.predicate(name=f"has_role({', '.join(sorted(wanted))})")
    def holds(user: User) -> bool:
        return bool(roles_of(user) & wanted)

    return is_active_user & (is_superuser | holds)


# Generic predicates, shared by every process. Each is callable as `predicate(user)` -> bool.
has_any_role = has_role(*ALL_ROLES)
can_read_internal_notes = has_role(*(set(ALL_ROLES) - {VIEWER}))  # IT staff: every role but a viewer
can_configure = has_role(MANAGER)  # SLA and escalation policies, webhooks, calendars, catalog
