"""Who may manage webhook subscriptions and the outbox (see core/permissions.py). Reading and
marking one's own notifications needs only a signed-in user: the selectors filter by owner."""

from core import roles
from core.permissions import define

MANAGE_WEBHOOKS = define(
    "notifications.manage_webhooks",
    roles.can_configure,
    "Only managers and superusers may manage webhook subscriptions.",
)
