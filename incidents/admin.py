"""Admin for incidents: the status and history are read-only; the actions call the services, so
the admin obeys the same lifecycle, permissions and timeline as the API and the browser."""

from django.contrib import admin, messages
from django.contrib.contenttypes.admin import GenericTabularInline

from core.errors import DomainError
from sla.models import SlaClock

from . import services
from .models import Incident


class SlaClockInline(GenericTabularInline):
    model = SlaClock
    fields = ("target", "target_duration", "elapsed", "running_since", "due_at", "stopped_at", "breached_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "priority", "status", "service", "assignee", "created_at")
    list_filter = ("status", "priority", "service", "source")
    search_fields = ("number", "title")
    list_select_related = ("service", "assignee")
    date_hierarchy = "created_at"
    readonly_fields = (
        "number", "status", "priority", "reporter", "source", "version", "created_at", "updated_at",
        "acknowledged_at", "started_at", "on_hold_at", "resolved_at", "closed_at", "cancelled_at", "reopened_at",
        "resolution_code", "resolution_notes", "escalation_policy", "escalation_level", "next_escalation_at",
    )  # fmt: skip
    fields = (
        ("number", "status", "priority", "version"), "title", "description", ("service", "ci"),
        ("impact", "urgency"), ("assignment_group", "assignee"), ("reporter", "source"),
        ("resolution_code", "resolution_notes"), ("created_at", "updated_at"),
        ("acknowledged_at", "started_at", "on_hold_at"), ("resolved_at", "closed_at", "cancelled_at", "reopened_at"),
        ("escalation_policy", "escalation_level", "next_escalation_at"),
    )  # fmt: skip
    inlines = [SlaClockInline]
    actions = ["acknowledge", "escalate"]

    def has_add_permission(self, request):
        return False  # file incidents through the UI or API: they need the services' side effects

    def has_delete_permission(self, request, obj=None):
        return False  # an incident's history is never deleted; cancel it instead

    def save_model(self, request, obj, form, change):
        """Edits go through incident_update: validation, priority, SLA re-targeting, timeline."""
        changes = {
            name: form.cleaned_data[name] for name in form.changed_data if name in services.EDITABLE_FIELDS
        }
        try:
            services.incident_update(incident=obj, actor=request.user, **changes)
        except DomainError as exc:
            self.message_user(request, f"{obj.number}: {exc.message}", messages.ERROR)

    def _each(self, request, queryset, call):
        done = 0
        for incident in queryset:
            try:
                call(incident)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{incident.number}: {exc.message}", messages.WARNING)
        if done:
            self.message_user(request, f"{done} incident(s) updated.")

    @admin.action(description="Acknowledge the selected incidents")
    def acknowledge(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda incident: services.incident_transition(
                incident=incident, actor=request.user, action="acknowledge"
            ),
        )

    @admin.action(description="Escalate the selected incidents one level")
    def escalate(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda incident: services.incident_escalate(incident=incident, actor=request.user),
        )
