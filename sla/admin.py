from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from core.admin_permissions import RulesAdminMixin, config_rules
from core.admin_writes import ServiceBackedAdmin, ServiceBackedInline, ServiceWrites
from core.errors import InvalidInput
from core.permissions import CONFIGURE
from core.processes import default_process, processes

from . import calendars, escalation_services
from .escalation_services import escalation_policy_check
from .escalations import processes as escalation_processes
from .models import Calendar, EscalationLevel, EscalationPolicy, Holiday, SlaPolicy, SlaTarget, WorkingPeriod
from .permissions import MANAGE_POLICIES
from .services import (
    ACTION_FIELDS,
    sla_policy_create,
    sla_policy_delete,
    sla_policy_update,
    sla_target_errors,
    sla_target_spec,
)

CONFIG = config_rules(CONFIGURE)
MANAGE = config_rules(MANAGE_POLICIES)


class WorkingPeriodInline(ServiceBackedInline, admin.TabularInline):
    model = WorkingPeriod
    extra = 0
    writes = ServiceWrites(
        calendars.working_period_create,
        calendars.working_period_update,
        calendars.working_period_delete,
        subject="period",
    )


class HolidayInline(ServiceBackedInline, admin.TabularInline):
    model = Holiday
    extra = 0
    writes = ServiceWrites(
        calendars.holiday_create, calendars.holiday_update, calendars.holiday_delete, subject="holiday"
    )


@admin.register(Calendar)
class CalendarAdmin(ServiceBackedAdmin):
    list_display = ("name", "time_zone", "country")
    inlines = [WorkingPeriodInline, HolidayInline]
    actions = ["fill_holidays"]
    writes = ServiceWrites(
        calendars.calendar_create, calendars.calendar_update, calendars.calendar_delete, subject="calendar"
    )

    @admin.action(description="Fill this year's and next year's public holidays from the country")
    def fill_holidays(self, request, queryset):
        for calendar in queryset:
            if not calendar.country:
                self.message_user(request, f"{calendar}: set a country first.", messages.WARNING)
                continue
            added = calendars.calendar_fill_holidays(calendar=calendar, actor=request.user)
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


class SlaTargetInline(RulesAdminMixin, admin.TabularInline):
    permission_rules = MANAGE
    model = SlaTarget
    formset = SlaTargetFormSet
    fields = ("name", "duration", "start_on", "pause_on", "resume_on", "stop_on")
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(RulesAdminMixin, admin.ModelAdmin):
    """Policies and their targets are written through sla.services (like the API)."""

    permission_rules = MANAGE
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


class EscalationPolicyForm(forms.ModelForm):
    process = forms.ChoiceField(choices=())

    class Meta:
        model = EscalationPolicy
        fields = ["name", "process", "priority", "service", "calendar", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["process"].choices = [(name, name) for name in escalation_processes()]

    def clean(self):
        data = super().clean()
        try:
            escalation_policy_check(
                name=data.get("name", ""), process=data.get("process", ""), exclude_pk=self.instance.pk
            )
        except InvalidInput as error:
            for name, messages_ in error.fields.items():
                self.add_error(name if name in self.fields else None, messages_)
        return data


class EscalationLevelFormSet(BaseInlineFormSet):
    """Each level passes the services' checks here, so the admin shows them next to the level."""

    def clean(self):
        super().clean()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            try:
                escalation_services.escalation_level_check(after=data.get("after"), number=data.get("number"))
            except InvalidInput as error:
                for name, messages_ in error.fields.items():
                    form.add_error(name if name in form.fields else None, messages_)


class EscalationLevelInline(RulesAdminMixin, admin.StackedInline):
    permission_rules = CONFIG
    model = EscalationLevel
    formset = EscalationLevelFormSet
    extra = 0
    filter_horizontal = ("notify_users",)


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(RulesAdminMixin, admin.ModelAdmin):
    """Writes go through sla.escalation_services (permissions, checks, running escalations)."""

    permission_rules = CONFIG
    form = EscalationPolicyForm
    list_display = ("name", "process", "priority", "service", "calendar", "active")
    list_filter = ("process", "active", "priority")
    list_select_related = ("service", "calendar")
    inlines = [EscalationLevelInline]

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        if change:
            escalation_services.escalation_policy_update(policy=obj, actor=request.user, **fields)
        else:
            policy = escalation_services.escalation_policy_create(actor=request.user, **fields)
            obj.pk, obj._state.adding = policy.pk, False

    def save_related(self, request, form, formsets, change):
        for formset in formsets:  # the levels; the policy form has no many-to-many fields
            self.save_formset(request, form, formset, change)

    def save_formset(self, request, form, formset, change):
        formset.save(commit=False)  # sorts the forms into new, changed and deleted; saves nothing
        for level in formset.deleted_objects:
            escalation_services.escalation_level_delete(level=level, actor=request.user)
        for level_form in formset.forms:
            if level_form in formset.deleted_forms or not level_form.has_changed():
                continue
            fields = {name: level_form.cleaned_data[name] for name in escalation_services.LEVEL_FIELDS}
            if level_form.instance.pk:
                escalation_services.escalation_level_update(
                    level=level_form.instance, actor=request.user, **fields
                )
            else:
                escalation_services.escalation_level_create(
                    policy=form.instance, actor=request.user, **fields
                )

    def delete_model(self, request, obj):
        escalation_services.escalation_policy_delete(policy=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for policy in queryset:
            self.delete_model(request, policy)
