from django.contrib import admin
from django.utils.html import format_html_join

from core.admin_permissions import ReadOnlyLog

from .models import AuditRecord
from .selectors import audit_record_list, record_changes


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyLog, admin.ModelAdmin):
    """The audit log of configuration: read-only for everyone (the database refuses changes too)."""

    list_display = ("pgh_created_at", "pgh_obj_model", "pgh_obj_id", "pgh_label", "actor", "changes")
    list_filter = ("pgh_label", "pgh_obj_model")
    fields = ("pgh_created_at", "pgh_label", "pgh_obj_model", "pgh_obj_id", "actor", "url", "changes")
    readonly_fields = fields
    list_per_page = 50

    def get_queryset(self, request):
        return audit_record_list()

    @admin.display(description="before → after")
    def changes(self, record):
        before, after = record_changes(record)
        names = sorted({*(before or {}), *(after or {})})
        rows = [(name, (before or {}).get(name, "—"), (after or {}).get(name, "—")) for name in names]
        return format_html_join("", "<div><b>{}</b>: {} → {}</div>", rows)
