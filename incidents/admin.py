"""Admin for incidents: the status and history are read-only; the actions call the services, so
the admin obeys the same lifecycle, permissions and timeline as the API and the browser."""

from django.contrib import admin, messages
from django.contrib.contenttypes.admin import GenericTabularInline

from core.admin_permissions import RulesAdminMixin
from core.errors import DomainError
from core.permissions import USE
from sla.models import SlaClock
from sla.selectors import escalation_of

from . import permissions, services
from .models import Incident


class SlaClockInline(RulesAdminMixin, GenericTabularInline):
    model = SlaClock
    fields = ("target", "target_duration", "elapsed", "running_since", "due_at", "stopped_at", "breached_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    permission_rules = {"view": USE}  # the sweep and the services move the clocks, never a form


@admin.register(Incident)
class IncidentAdmin(RulesAdminMixin, admin.ModelAdmin):
    list_display = ("number", "title", "priority", "status", "service", "assignee", "created_at")
    list_filter = ("status", "priority", "service", "source")
    search_fields = ("number", "title")
    list_select_related = ("service", "assignee")
    date_hierarchy = "created_at"
    readonly_fields = (
        "number", "status", "priority", "reporter", "source", "version", "created_at", "updated_at",
        "acknowledged_at", "started_at", "on_hold_at", "resolved_at", "closed_at", "cancelled_at", "reopened_at",
        "resolution_code", "resolution_notes", "escalation",
    )  # fmt: skip
    fields = (
        ("number", "status", "priority", "version"), "title", "description", ("service", "ci"),
        ("impact", "urgency"), ("assignment_group", "assignee"), ("reporter", "source"),
        ("resolution_code", "resolution_notes"), ("created_at", "updated_at"),
        ("acknowledged_at", "started_at", "on_hold_at"), ("resolved_at", "closed_at", "cancelled_at", "reopened_at"),
        "escalation",
    )  # fmt: skip
    inlines = [SlaClockInline]
    actions = ["acknowledge", "escalate"]

    @admin.display(description="Escalation")
    def escalation(self, incident: Incident) -> str:
        state = escalation_of(incident)
        if state is None:
            return "No escalation policy applies."
        due = (
            f"next level due {state.next_due_at:%Y-%m-%d %H:%M} UTC"
            if state.next_due_at
            else "none scheduled"
        )
        return f"{state.policy}: level {state.level} of {len(state.levels)}, {due}."

    # No "add" (file incidents through the UI or API: they need the services' side effects) and no
    # "delete" (an incident's history is never deleted; cancel it instead).
    permission_rules = {"view": USE, "change": permissions.UPDATE}

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
