"""Who may configure alert integrations (see core/permissions.py). Senders need no account: an
integration's secret key, in its URL or as the Events API routing_key, is their credential."""

from core import roles
from core.permissions import define

MANAGE = define(
    "alerts.manage_integrations",
    roles.can_configure,
    "Only managers and superusers may manage alert integrations.",
)
