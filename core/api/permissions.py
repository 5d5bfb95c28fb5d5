from rest_framework.permissions import SAFE_METHODS, BasePermission

from core import roles


def _reads_or_unroutable(request, view) -> bool:
    """Reads, and methods the view does not offer at all (those get their honest 405)."""
    return request.method in SAFE_METHODS or request.method not in view.allowed_methods


class HasRole(BasePermission):
    """Anyone holding one of OpsDesk's roles may read; only a superuser writes unless a view says more."""

    message = "You need an OpsDesk role to use the API."

    def has_permission(self, request, view) -> bool:
        if not roles.has_any_role(request.user):
            return False
        return _reads_or_unroutable(request, view) or bool(request.user.is_superuser)


class CanWorkIncidents(HasRole):
    message = "Only agents and managers may file and work incidents."

    def has_permission(self, request, view) -> bool:
        if not roles.has_any_role(request.user):
            self.message = HasRole.message
            return False
        return _reads_or_unroutable(request, view) or roles.can_work_incidents(request.user)
