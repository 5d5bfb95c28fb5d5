from django.contrib import admin, messages

from core.admin_permissions import RulesAdminMixin, config_rules
from core.permissions import CONFIGURE

from .models import Calendar, EscalationLevel, EscalationPolicy, Holiday, SlaPolicy, WorkingPeriod
from .permissions import MANAGE_POLICIES
from .services import calendar_fill_holidays

CONFIG = config_rules(CONFIGURE)


class WorkingPeriodInline(RulesAdminMixin, admin.TabularInline):
    permission_rules = CONFIG
    model = WorkingPeriod
    extra = 0


class HolidayInline(RulesAdminMixin, admin.TabularInline):
    permission_rules = CONFIG
    model = Holiday
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(RulesAdminMixin, admin.ModelAdmin):
    permission_rules = CONFIG
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


@admin.register(SlaPolicy)
class SlaPolicyAdmin(RulesAdminMixin, admin.ModelAdmin):
    permission_rules = config_rules(MANAGE_POLICIES)
    list_display = ("name", "priority", "service", "response_target", "resolution_target", "calendar")
    list_filter = ("priority", "service")
    list_select_related = ("service", "calendar")


class EscalationLevelInline(RulesAdminMixin, admin.StackedInline):
    permission_rules = CONFIG
    model = EscalationLevel
    extra = 0
    filter_horizontal = ("notify_users",)


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(RulesAdminMixin, admin.ModelAdmin):
    permission_rules = CONFIG
    list_display = ("name", "priority", "service", "active")
    list_filter = ("active", "priority")
    inlines = [EscalationLevelInline]
