"""API permissions over the named permissions of core/permissions.py (the same ones the browser,
the admin and the services check)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from core import permissions


def _reads_or_unroutable(request, view) -> bool:
    """Reads, and methods the view does not offer at all (those get their honest 405)."""
    return request.method in SAFE_METHODS or request.method not in view.allowed_methods


class HasRole(BasePermission):
    """Anyone holding an OpsDesk role may read. A write needs the permission the view names for its
    action in `write_permissions` ({"create": "<app>.add_<model>", ...}), else its
    `write_permission`; a view naming neither is written by superusers only."""

    message = "You need an OpsDesk role to use the API."

    def has_permission(self, request, view) -> bool:
        if not permissions.allowed(request.user, permissions.USE):
            return False
        if _reads_or_unroutable(request, view):
            return True
        name = getattr(view, "write_permissions", {}).get(
            view.action, getattr(view, "write_permission", None)
        )
        if name is None:
            return bool(request.user.is_superuser)
        self.message = permissions.message(name)
        return permissions.allowed(request.user, name)


def requires(name: str, message: str = "") -> type[BasePermission]:
    """A permission class for views where reading too needs permission `name` (e.g. webhooks)."""

    def has_permission(self, request, view) -> bool:
        return permissions.allowed(request.user, name)

    attributes = {"message": message or permissions.message(name), "has_permission": has_permission}
    return type(f"Requires({name})", (BasePermission,), attributes)
