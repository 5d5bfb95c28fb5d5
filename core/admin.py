import json

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.html import format_html

from core.admin_writes import ServiceBackedAdmin, ServiceWrites, form_fields

from . import roles, services
from .admin_permissions import ReadOnlyLog
from .events.services import handler_runs_retry
from .models import Event, HandlerRun, Team, TimelineEntry


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
class TeamAdmin(ServiceBackedAdmin):
    list_display = ("group", "lead", "escalation_group")
    list_select_related = ("group", "lead", "escalation_group")
    writes = ServiceWrites(services.team_create, services.team_update, services.team_delete, subject="team")


ROLE_FIELDS = ("groups", "user_permissions", "is_active", "is_staff", "is_superuser")
User = get_user_model()


class OpsDeskUserAdmin(UserAdmin):
    """Who holds which role (groups, permissions, active/staff/superuser) changes through
    core.services.user_set_roles, audited with its actor; the rest of the profile saves as usual."""

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            return super().save_model(request, obj, form, change)
        profile = [name for name in form_fields(form, changed_only=True) if name not in ROLE_FIELDS]
        if profile:
            obj.save(update_fields=profile)

    def save_related(self, request, form, formsets, change) -> None:
        if not change:
            return super().save_related(request, form, formsets, change)
        changed = form_fields(form, changed_only=True)
        roles_changed = {name: value for name, value in changed.items() if name in ROLE_FIELDS}
        if roles_changed:
            services.user_set_roles(
                actor=request.user,
                user=form.instance,
                groups=roles_changed.pop("groups", None),
                permissions=roles_changed.pop("user_permissions", None),
                **roles_changed,
            )
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


admin.site.unregister(User)
admin.site.register(User, OpsDeskUserAdmin)


class HandlerRunInline(ReadOnlyLog, admin.TabularInline):
    model = HandlerRun
    fields = ["handler", "outcome", "attempts", "next_attempt_at", "updated_at", "error"]
    readonly_fields = fields
    extra = 0


@admin.register(Event)
class EventAdmin(ReadOnlyLog, admin.ModelAdmin):
    """The event log: what happened, to what, and how each handler dealt with it."""

    list_display = [
        "id",
        "type",
        "version",
        "key",
        "content_type",
        "object_id",
        "actor",
        "occurred_at",
        "pending",
    ]
    list_filter = ["type", "handler_runs__outcome"]
    search_fields = ["key"]
    list_select_related = ["content_type", "actor"]
    date_hierarchy = "occurred_at"
    inlines = [HandlerRunInline]
    fields = [
        "type", "version", "key", "content_type", "object_id", "actor", "occurred_at", "dispatch_due_at",
        "audience", "title", "body", "url", "payload_pretty",
    ]  # fmt: skip
    readonly_fields = fields

    @admin.display(boolean=True, description="Pending")
    def pending(self, event: Event) -> bool:
        return event.dispatch_due_at is not None

    @admin.display(description="Payload")
    def payload_pretty(self, event: Event) -> str:
        return format_html(
            "<pre>{}</pre>", json.dumps(event.payload, indent=2, ensure_ascii=False, default=str)
        )


@admin.register(HandlerRun)
class HandlerRunAdmin(ReadOnlyLog, admin.ModelAdmin):
    """Each handler's outcome per event: done, retrying (attempts, next try) or failed with its error."""

    list_display = ["id", "event", "handler", "outcome", "attempts", "next_attempt_at", "updated_at"]
    list_filter = ["outcome", "handler", "event__type"]
    search_fields = ["event__key", "error"]
    list_select_related = ["event"]
    fields = ["event", "handler", "outcome", "attempts", "next_attempt_at", "updated_at", "error"]
    readonly_fields = fields
    actions = ["retry_now"]

    def has_retry_permission(self, request) -> bool:
        return roles.can_configure(request.user)

    @admin.action(description="Run again now (failed or retrying)", permissions=["retry"])
    def retry_now(self, request, queryset) -> None:
        count = handler_runs_retry(actor=request.user, run_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, f"{count} handler run(s) queued to run again.", messages.SUCCESS)
