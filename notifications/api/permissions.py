from rest_framework.permissions import BasePermission

from core import roles
from core.api.permissions import HasRole


class OwnNotifications(BasePermission):
    """Any OpsDesk user reads and marks read their own notifications (the views filter by owner)."""

    message = HasRole.message

    def has_permission(self, request, view) -> bool:
        return roles.has_any_role(request.user)


class CanManageWebhooks(BasePermission):
    message = "Only managers and superusers may manage webhook subscriptions."

    def has_permission(self, request, view) -> bool:
        return roles.can_configure(request.user)
