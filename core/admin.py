from django.contrib import admin

from .admin_permissions import RulesAdminMixin, config_rules
from .models import Team, TimelineEntry
from .permissions import CONFIGURE


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
class TeamAdmin(RulesAdminMixin, admin.ModelAdmin):
    permission_rules = config_rules(CONFIGURE)
    list_display = ("group", "lead", "escalation_group")
    list_select_related = ("group", "lead", "escalation_group")
