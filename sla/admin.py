from django.contrib import admin, messages

from audit.admin_writes import ServiceBackedAdmin, ServiceBackedInline, ServiceWrites

from . import calendars
from .models import Calendar, EscalationLevel, EscalationPolicy, Holiday, SlaPolicy, WorkingPeriod


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


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "priority", "service", "response_target", "resolution_target", "calendar")
    list_filter = ("priority", "service")
    list_select_related = ("service", "calendar")


class EscalationLevelInline(admin.StackedInline):
    model = EscalationLevel
    extra = 0
    filter_horizontal = ("notify_users",)


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "priority", "service", "active")
    list_filter = ("active", "priority")
    inlines = [EscalationLevelInline]
