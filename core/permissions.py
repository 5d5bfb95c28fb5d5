"""Named permissions: one registry (django-rules' permission set) that the API, the browser views,
the admin and the services all ask, so they cannot disagree.

A process declares its permissions in its own `permissions.py`:

    APPROVE = define("changes.approve", has_role(CHANGE_MANAGER), "Only change managers may ...")

and checks them with `allowed(user, APPROVE)` (a bool, for pages and admin) or `require(user, APPROVE)`
(raises NotPermitted with the permission's message, for services)."""

import rules

from core import roles
from core.errors import NotPermitted

_messages: dict[str, str] = {}


def define(name: str, predicate: rules.Predicate, message: str) -> str:
    """Register `name` (e.g. "changes.approve") as `predicate`; returns the name, for constants."""
    rules.set_perm(name, predicate)
    _messages[name] = message
    return name


def allowed(user, name: str, obj=None) -> bool:
    if not rules.perm_exists(name):
        raise LookupError(f"Unknown permission {name!r}: define() it in the app's permissions.py.")
    return bool(rules.has_perm(name, user, obj))


def message(name: str) -> str:
    return _messages.get(name, "You do not have permission to do this.")


def require(user, name: str, obj=None) -> None:
    """Raise NotPermitted (403) with the permission's message unless `user` holds it."""
    if not allowed(user, name, obj):
        raise NotPermitted(message(name))


# Shared by every process: any role may read; managers configure.
USE = define(
    "core.use", roles.has_any_role, "Your account has no OpsDesk role yet. Ask an administrator for access."
)
CONFIGURE = define("core.configure", roles.can_configure, "Only managers may change the configuration.")
