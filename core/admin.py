from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from audit.admin_writes import ServiceBackedAdmin, ServiceWrites, form_fields

from . import services
from .models import Team, TimelineEntry


@admin.register(TimelineEntry)
class TimelineEntryAdmin(admin.ModelAdmin):
    """History is read-only everywhere, admin included."""

    list_display = ("created_at", "content_type", "object_id", "kind", "actor", "from_state", "to_state")
    list_filter = ("kind", "content_type", "visibility")
    list_select_related = ("actor", "content_type")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Team)
class TeamAdmin(ServiceBackedAdmin):
    list_display = ("group", "lead", "escalation_group")
    list_select_related = ("group", "lead", "escalation_group")
    writes = ServiceWrites(services.team_create, services.team_update, services.team_delete, subject="team")


ROLE_FIELDS = ("groups", "user_permissions", "is_active", "is_staff", "is_superuser")
User = get_user_model()


class OpsDeskUserAdmin(UserAdmin):
    """Who holds which role (groups, permissions, active/staff/superuser) changes through
    core.services.user_set_roles, audited with its actor; the rest of the profile saves as usual."""

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            return super().save_model(request, obj, form, change)
        profile = [name for name in form_fields(form, changed_only=True) if name not in ROLE_FIELDS]
        if profile:
            obj.save(update_fields=profile)

    def save_related(self, request, form, formsets, change) -> None:
        if not change:
            return super().save_related(request, form, formsets, change)
        changed = form_fields(form, changed_only=True)
        roles_changed = {name: value for name, value in changed.items() if name in ROLE_FIELDS}
        if roles_changed:
            services.user_set_roles(
                actor=request.user,
                user=form.instance,
                groups=roles_changed.pop("groups", None),
                permissions=roles_changed.pop("user_permissions", None),
                **roles_changed,
            )
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


admin.site.unregister(User)
admin.site.register(User, OpsDeskUserAdmin)
