"""Who may manage notification delivery (webhook subscriptions, retries).

Kept next to the app until core.roles grows an equivalent predicate; the API, the admin and the
services all ask this one function."""

from core import roles


def can_manage_webhooks(user: roles.User) -> bool:
    return bool(getattr(user, "is_superuser", False) or roles.MANAGER in roles.roles_of(user))
