from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from core.processes import default_process, processes

from .models import Calendar, EscalationLevel, EscalationPolicy, Holiday, SlaPolicy, SlaTarget, WorkingPeriod
from .services import (
    ACTION_FIELDS,
    calendar_fill_holidays,
    sla_policy_create,
    sla_policy_delete,
    sla_policy_update,
    sla_target_errors,
    sla_target_spec,
)


class WorkingPeriodInline(admin.TabularInline):
    model = WorkingPeriod
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "time_zone", "country")
    inlines = [WorkingPeriodInline, HolidayInline]
    actions = ["fill_holidays"]

    @admin.action(description="Fill this year's and next year's public holidays from the country")
    def fill_holidays(self, request, queryset):
        for calendar in queryset:
            if not calendar.country:
                self.message_user(request, f"{calendar}: set a country first.", messages.WARNING)
                continue
            added = calendar_fill_holidays(calendar=calendar)
            self.message_user(request, f"{calendar}: {added} holidays added.")


class SlaTargetFormSet(BaseInlineFormSet):
    """Checks the targets against the policy's process, with the same rules as the services."""

    def clean(self):
        super().clean()
        process, kept = self.instance.process, 0
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            kept += 1
            spec = sla_target_spec(process=process, spec=_target_spec(data))
            for message in sla_target_errors(process=process, spec=spec):
                form.add_error(None, message)
        if not kept:
            raise ValidationError("A policy needs at least one target.")


def _target_spec(data: dict) -> dict:
    return {field: data.get(field) for field in ("name", "duration", *ACTION_FIELDS)}


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    formset = SlaTargetFormSet
    fields = ("name", "duration", "start_on", "pause_on", "resume_on", "stop_on")
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    """Policies and their targets are written through sla.services (like the API)."""

    list_display = ("name", "process", "priority", "service", "target_list", "calendar")
    list_filter = ("process", "priority", "service")
    list_select_related = ("service", "calendar")
    inlines = [SlaTargetInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("targets")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "process":
            default = default_process()
            return forms.ChoiceField(
                choices=[(p.key, p.label) for p in processes()],
                initial=default.key if default else None,
                help_text=db_field.help_text,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="targets")
    def target_list(self, policy: SlaPolicy) -> str:
        return ", ".join(f"{t.name} {t.duration}" for t in policy.targets.all())

    def save_model(self, request, obj, form, change):
        pass  # saved with its targets by the service, in save_related

    def save_related(self, request, form, formsets, change):
        fields = {
            name: form.cleaned_data[name] for name in ("name", "process", "priority", "service", "calendar")
        }
        [targets_formset] = formsets
        targets = [
            _target_spec(f.cleaned_data)
            for f in targets_formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        if change:
            policy = sla_policy_update(policy=form.instance, actor=request.user, targets=targets, **fields)
        else:
            policy = sla_policy_create(actor=request.user, targets=targets, **fields)
        form.instance.pk = policy.pk
        for formset in formsets:  # what the change message reads after a formset.save()
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def delete_model(self, request, obj):
        sla_policy_delete(policy=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for policy in queryset:
            sla_policy_delete(policy=policy, actor=request.user)


class EscalationLevelInline(admin.StackedInline):
    model = EscalationLevel
    extra = 0
    filter_horizontal = ("notify_users",)


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "priority", "service", "active")
    list_filter = ("active", "priority")
    inlines = [EscalationLevelInline]
