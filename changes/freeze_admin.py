"""Admin for freeze windows: saved and deleted through changes.freeze (permission, validation and the
audit actor as in the API); change managers and managers edit them."""

from django.contrib import admin

from core.admin_permissions import config_rules
from core.admin_writes import ServiceBackedAdmin, ServiceWrites

from . import freeze
from .models import FreezeWindow
from .permissions import MANAGE_FREEZE_WINDOWS


@admin.register(FreezeWindow)
class FreezeWindowAdmin(ServiceBackedAdmin):
    permission_rules = config_rules(MANAGE_FREEZE_WINDOWS)
    list_display = ("name", "starts_at", "ends_at", "scope", "active")
    list_filter = ("active",)
    search_fields = ("name",)
    date_hierarchy = "starts_at"
    filter_horizontal = ("services",)
    fields = ("name", "reason", "starts_at", "ends_at", "services", "active")
    show_full_result_count = False
    writes = ServiceWrites(
        freeze.freeze_window_create,
        freeze.freeze_window_update,
        freeze.freeze_window_delete,
        subject="window",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("services")

    @admin.display(description="applies to")
    def scope(self, window: FreezeWindow) -> str:
        names = [service.name for service in window.services.all()]
        return ", ".join(names) if names else "every service"
