"""Admin for changes and the standard change catalogue. A change's status and history are read-only here;
edits of a draft and the admin actions call the services, so the admin obeys the same lifecycle,
permissions and timeline as the API and the pages. Templates are configuration, written through
changes.catalogue (audited)."""

from django.contrib import admin, messages

from core.admin_permissions import RulesAdminMixin, config_rules
from core.admin_writes import ServiceBackedAdmin, ServiceBackedInline, ServiceWrites
from core.errors import DomainError
from core.permissions import USE

from . import (
    admin_policies,  # noqa: F401  (approval policies: changes/admin_policies.py)
    catalogue,
    freeze_admin,  # noqa: F401  (freeze windows: changes/freeze_admin.py)
    permissions,
    services,
)
from .models import Change, ChangeTask, ChangeTemplate, ChangeTemplateTask


class ChangeTaskInline(RulesAdminMixin, admin.TabularInline):
    model = ChangeTask
    fields = ("position", "title", "assignee", "assignment_group", "status", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    permission_rules = {"view": USE}  # tasks are planned and worked on the change's page or the API


@admin.register(Change)
class ChangeAdmin(RulesAdminMixin, admin.ModelAdmin):
    list_display = (
        "number",
        "title",
        "type",
        "status",
        "risk_level",
        "planned_start",
        "requester",
        "implementer",
    )
    list_filter = ("status", "type", "risk_level")
    search_fields = ("number", "title")
    list_select_related = ("requester", "implementer")
    show_full_result_count = False
    readonly_fields = (
        "number", "status", "version", "requester", "template", "risk_score", "risk_level", "risk_reasons",
        "assessed_by", "assessment_note", "approval_policy", "rejection_reason", "freeze_override_reason",
        "outcome", "outcome_notes", "review_notes", "lessons", "reviewed_by", "created_at", "updated_at",
        "submitted_at", "approved_at", "scheduled_at", "started_at", "implemented_at", "closed_at", "cancelled_at",
    )  # fmt: skip
    fields = (
        ("number", "type", "status", "version"), "title", "description", "justification",
        "implementation_plan", "rollback_plan", "test_plan", ("priority", "planned_start", "planned_end"),
        "services", "cis", ("requester", "implementer", "assignment_group"), "template",
        ("outage_required", "rollback_complexity", "testing"), ("risk_level", "risk_score"), "risk_reasons",
        ("assessed_by", "assessment_note"), "approval_policy", "rejection_reason", "freeze_override_reason",
        ("outcome", "outcome_notes"), ("review_notes", "lessons", "reviewed_by"),
        ("created_at", "updated_at", "submitted_at", "approved_at"),
        ("scheduled_at", "started_at", "implemented_at", "closed_at", "cancelled_at"),
    )  # fmt: skip
    filter_horizontal = ("services", "cis")
    inlines = [ChangeTaskInline]
    actions = ["submit"]
    # No "add" (file changes on the pages or the API: numbering, timeline, events) and no "delete" (a
    # change's history stays; cancel it instead). Only a draft's fields can be changed.
    permission_rules = {"view": USE, "change": permissions.UPDATE}

    def save_model(self, request, obj, form, change):
        """Edits go through change_update: drafts only, validation, timeline."""
        self._edits = {
            name: form.cleaned_data[name] for name in form.changed_data if name in services.EDITABLE_FIELDS
        }

    def save_related(self, request, form, formsets, change):
        """Many-to-many fields too go through change_update (not through the form's own save)."""
        obj = form.instance
        for formset in formsets:  # the tasks inline is read-only: nothing to save
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        try:
            services.change_update(change=obj, actor=request.user, **getattr(self, "_edits", {}))
        except DomainError as exc:
            self.message_user(request, f"{obj.number}: {exc.message}", messages.ERROR)

    @admin.action(description="Submit the selected drafts")
    def submit(self, request, queryset):
        done = 0
        for change in queryset:
            try:
                services.change_submit(change=change, actor=request.user)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{change.number}: {exc.message}", messages.WARNING)
        if done:
            self.message_user(request, f"{done} change(s) submitted.")


TEMPLATE_RULES = config_rules(permissions.MANAGE_TEMPLATES)


class ChangeTemplateTaskInline(ServiceBackedInline, admin.TabularInline):
    model = ChangeTemplateTask
    fields = ("position", "title", "instructions", "assignment_group")
    extra = 0
    permission_rules = TEMPLATE_RULES
    writes = ServiceWrites(
        catalogue.template_task_create,
        catalogue.template_task_update,
        catalogue.template_task_delete,
        subject="task",
    )


@admin.register(ChangeTemplate)
class ChangeTemplateAdmin(ServiceBackedAdmin):
    list_display = ("name", "title", "active")
    list_filter = ("active",)
    search_fields = ("name", "title")
    filter_horizontal = ("services", "cis")
    inlines = [ChangeTemplateTaskInline]
    permission_rules = TEMPLATE_RULES
    writes = ServiceWrites(
        catalogue.template_create, catalogue.template_update, catalogue.template_delete, subject="template"
    )
