"""Admin permissions from the named permissions of core/permissions.py, so the admin lets a staff
member do exactly what the API, the browser and the services let them do.

    class SlaPolicyAdmin(RulesAdminMixin, admin.ModelAdmin):
        permission_rules = {"view": USE, "add": MANAGE, "change": MANAGE, "delete": MANAGE}

A verb missing from `permission_rules` is never allowed. The admin site itself still requires
`is_staff`."""

from core import permissions

VERBS = ("view", "add", "change", "delete")


def config_rules(name: str) -> dict[str, str]:
    """Configuration: only holders of `name` (e.g. core.configure) see and change it in admin."""
    return {"view": name, "add": name, "change": name, "delete": name}


class RulesAdminMixin:
    permission_rules: dict[str, str] = {}

    def _allows(self, request, verb: str) -> bool:
        name = self.permission_rules.get(verb)
        return bool(name and request.user.is_staff and permissions.allowed(request.user, name))

    def has_view_permission(self, request, obj=None) -> bool:
        return self._allows(request, "view") or self._allows(request, "change")

    def has_add_permission(self, request, *args) -> bool:  # inlines pass obj
        return self._allows(request, "add")

    def has_change_permission(self, request, obj=None) -> bool:
        return self._allows(request, "change")

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._allows(request, "delete")

    def has_module_permission(self, request) -> bool:
        return any(self._allows(request, verb) for verb in VERBS)


READ_BY_CONFIGURERS = {"view": permissions.CONFIGURE}


class ReadOnlyLog(RulesAdminMixin):
    """Mix into the admin of a log (events, handler runs, audit): managers and superusers read it,
    nobody adds, edits or deletes a row."""

    permission_rules = READ_BY_CONFIGURERS
    show_full_result_count = False  # no COUNT(*) over a long log
