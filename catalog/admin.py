from django.contrib import admin

from core.admin_writes import ServiceBackedAdmin, ServiceBackedInline, ServiceWrites

from . import services
from .models import ConfigurationItem, Service

CI_WRITES = ServiceWrites(services.ci_create, services.ci_update, services.ci_delete, subject="ci")


class ConfigurationItemInline(ServiceBackedInline, admin.TabularInline):
    model = ConfigurationItem
    fields = ("name", "kind")
    extra = 0
    writes = CI_WRITES


@admin.register(Service)
class ServiceAdmin(ServiceBackedAdmin):
    list_display = ("name", "slug", "criticality", "owning_group")
    list_filter = ("criticality",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [ConfigurationItemInline]
    writes = ServiceWrites(
        services.service_create, services.service_update, services.service_delete, subject="service"
    )


@admin.register(ConfigurationItem)
class ConfigurationItemAdmin(ServiceBackedAdmin):
    list_display = ("name", "kind", "service")
    list_filter = ("kind", "service")
    search_fields = ("name",)
    filter_horizontal = ("depends_on",)
    list_select_related = ("service",)
    writes = CI_WRITES
