from rest_framework.permissions import SAFE_METHODS, BasePermission

from core import roles


class HasRole(BasePermission):
    """Anyone holding one of OpsDesk's roles may read; writing is decided per view."""

    message = "You need an OpsDesk role to use the API."

    def has_permission(self, request, view) -> bool:
        if not roles.has_any_role(request.user):
            return False
        return request.method in SAFE_METHODS or bool(request.user.is_superuser)


class CanWorkIncidents(HasRole):
    message = "Only agents and managers may file and work incidents."

    def has_permission(self, request, view) -> bool:
        if not roles.has_any_role(request.user):
            self.message = HasRole.message
            return False
        return request.method in SAFE_METHODS or roles.can_work_incidents(request.user)
