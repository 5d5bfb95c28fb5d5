from django.contrib import admin

from core.admin_permissions import RulesAdminMixin, config_rules
from core.permissions import CONFIGURE

from .models import ConfigurationItem, Service


class ConfigurationItemInline(RulesAdminMixin, admin.TabularInline):
    permission_rules = config_rules(CONFIGURE)
    model = ConfigurationItem
    fields = ("name", "kind")
    extra = 0


@admin.register(Service)
class ServiceAdmin(RulesAdminMixin, admin.ModelAdmin):
    permission_rules = config_rules(CONFIGURE)
    list_display = ("name", "slug", "criticality", "owning_group")
    list_filter = ("criticality",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [ConfigurationItemInline]


@admin.register(ConfigurationItem)
class ConfigurationItemAdmin(RulesAdminMixin, admin.ModelAdmin):
    permission_rules = config_rules(CONFIGURE)
    list_display = ("name", "kind", "service")
    list_filter = ("kind", "service")
    search_fields = ("name",)
    filter_horizontal = ("depends_on",)
    list_select_related = ("service",)
