"""Roles are Django groups (created by a data migration); these predicates are the only place that
decides who may do what, so the API, the browser and the services cannot disagree."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

AGENT = "agent"
CHANGE_MANAGER = "change_manager"
CAB_TECH_LEAD = "cab_tech_lead"
CAB_PRODUCT_OWNER = "cab_product_owner"
CAB_OPS_MANAGER = "cab_ops_manager"
MANAGER = "manager"
VIEWER = "viewer"

ALL_ROLES = (AGENT, CHANGE_MANAGER, CAB_TECH_LEAD, CAB_PRODUCT_OWNER, CAB_OPS_MANAGER, MANAGER, VIEWER)
INCIDENT_WORKERS = frozenset({AGENT, MANAGER})

User = AbstractBaseUser | AnonymousUser


def roles_of(user: User) -> frozenset[str]:
    """The user's role names, cached on the instance for the request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_opsdesk_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ALL_ROLES).values_list("name", flat=True))
        user._opsdesk_roles = cached
    return cached


def has_any_role(user: User) -> bool:
    return bool(getattr(user, "is_superuser", False) or roles_of(user))


def can_work_incidents(user: User) -> bool:
    return bool(getattr(user, "is_superuser", False) or roles_of(user) & INCIDENT_WORKERS)


def can_read_internal_notes(user: User) -> bool:
    """Internal work notes are for IT staff: every role but a bare viewer."""
    return bool(getattr(user, "is_superuser", False) or roles_of(user) - {VIEWER})


def can_configure(user: User) -> bool:
    """Managers configure how OpsDesk behaves: SLA policies, escalations, webhook subscriptions."""
    return bool(getattr(user, "is_superuser", False) or MANAGER in roles_of(user))
