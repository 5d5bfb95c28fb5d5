from core import permissions
from core.api.permissions import HasRole, requires
from notifications.permissions import MANAGE_WEBHOOKS

# Any OpsDesk user reads and marks read their own notifications (the views filter by owner).
OwnNotifications = requires(permissions.USE, message=HasRole.message)
CanManageWebhooks = requires(MANAGE_WEBHOOKS)
