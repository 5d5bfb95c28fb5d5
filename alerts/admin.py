"""Admin: integrations through the services; inbound events and alerts are read-only logs."""

import json

from django.contrib import admin
from django.utils.html import format_html

from core.admin_permissions import ReadOnlyLog, config_rules
from core.admin_writes import ServiceCheckedAdmin

from . import services
from .models import Alert, InboundEvent, Integration
from .permissions import MANAGE

FORM_FIELDS = ("name", "kind", "service", "severity_map", "grouping", "auto_resolve", "rate_limit", "active")


@admin.register(Integration)
class IntegrationAdmin(ServiceCheckedAdmin):
    permission_rules = config_rules(MANAGE)
    list_display = ["name", "kind", "service", "grouping", "auto_resolve", "active", "created_at"]
    list_filter = ["kind", "active"]
    list_select_related = ["service"]
    search_fields = ["name"]
    fields = [*FORM_FIELDS, "key"]
    readonly_fields = ["key"]

    def get_readonly_fields(self, request, obj=None):
        return ["key", "kind"] if obj else ["key"]

    def save_model(self, request, obj, form, change) -> None:
        data = {name: form.cleaned_data[name] for name in FORM_FIELDS if name in form.cleaned_data}
        if change:
            data.pop("kind", None)
            saved = services.integration_update(integration=obj, actor=request.user, **data)
        else:
            saved = services.integration_create(actor=request.user, **data)
        obj.pk = saved.pk

    def service_delete(self, obj, *, actor) -> None:
        services.integration_delete(integration=obj, actor=actor)

    def service_clean(self, cleaned: dict, *, obj) -> None:
        services.integration_clean(
            name=cleaned.get("name"),
            kind=cleaned.get("kind"),
            severity_map=cleaned.get("severity_map"),
            grouping=cleaned.get("grouping"),
            rate_limit=cleaned.get("rate_limit"),
            exclude_pk=obj.pk if obj else None,
        )


@admin.register(InboundEvent)
class InboundEventAdmin(ReadOnlyLog, admin.ModelAdmin):
    list_display = ["id", "integration", "status", "attempts", "received_at", "processed_at"]
    list_filter = ["status"]
    list_select_related = ["integration"]
    show_full_result_count = False
    fields = [
        "integration",
        "status",
        "attempts",
        "received_at",
        "due_at",
        "processed_at",
        "error",
        "body_pretty",
    ]
    readonly_fields = fields

    @admin.display(description="Body")
    def body_pretty(self, event: InboundEvent) -> str:
        return format_html("<pre>{}</pre>", json.dumps(event.body, indent=2, ensure_ascii=False))


@admin.register(Alert)
class AlertAdmin(ReadOnlyLog, admin.ModelAdmin):
    list_display = [
        "id",
        "summary",
        "status",
        "integration",
        "incident",
        "starts_at",
        "ends_at",
        "received_count",
    ]
    list_filter = ["status"]
    list_select_related = ["integration", "incident"]
    search_fields = ["key", "summary"]
    show_full_result_count = False
    readonly_fields = [field.name for field in Alert._meta.fields]
