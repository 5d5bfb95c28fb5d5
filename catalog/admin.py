from django.contrib import admin

from .models import ConfigurationItem, Service


class ConfigurationItemInline(admin.TabularInline):
    model = ConfigurationItem
    fields = ("name", "kind")
    extra = 0


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "criticality", "owning_group")
    list_filter = ("criticality",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [ConfigurationItemInline]


@admin.register(ConfigurationItem)
class ConfigurationItemAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "service")
    list_filter = ("kind", "service")
    search_fields = ("name",)
    filter_horizontal = ("depends_on",)
    list_select_related = ("service",)
