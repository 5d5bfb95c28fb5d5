"""Admin: the outbox and its delivery log are read-only; changes go through the services."""

import json

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html

from core.admin_permissions import config_rules
from core.admin_writes import ServiceCheckedAdmin
from core.events import ALL, registry
from core.permissions import allowed

from . import services
from .models import DeliveryAttempt, Notification, OutboxMessage, WebhookSubscription
from .permissions import MANAGE_WEBHOOKS


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = ["attempt", "attempted_at", "ok", "status_code", "duration_ms", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["attempt", "id"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "channel",
        "status",
        "target",
        "attempts",
        "next_attempt_at",
        "created_at",
        "sent_at",
    ]
    list_filter = ["channel", "status"]
    search_fields = ["dedupe_key"]
    date_hierarchy = "created_at"
    list_select_related = ["subscription"]
    show_full_result_count = False  # no COUNT(*) over a large outbox
    inlines = [DeliveryAttemptInline]
    actions = ["retry_now"]
    fields = [
        "channel", "status", "dedupe_key", "subscription", "attempts", "next_attempt_at", "last_error",
        "created_at", "sent_at", "payload_pretty",
    ]  # fmt: skip
    readonly_fields = fields

    @admin.display(description="To")
    def target(self, message: OutboxMessage) -> str:
        if message.channel == OutboxMessage.Channel.EMAIL:
            return message.payload.get("to", "")
        return str(message.subscription or f"(deleted subscription {message.payload.get('subscription_id')})")

    @admin.display(description="Payload")
    def payload_pretty(self, message: OutboxMessage) -> str:
        return format_html("<pre>{}</pre>", json.dumps(message.payload, indent=2, ensure_ascii=False))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_retry_permission(self, request) -> bool:
        return allowed(request.user, MANAGE_WEBHOOKS)

    @admin.action(description="Retry now (pending or dead messages)", permissions=["retry"])
    def retry_now(self, request, queryset) -> None:
        count = services.outbox_message_retry(
            actor=request.user, message_ids=queryset.values_list("pk", flat=True)
        )
        self.message_user(request, f"{count} message(s) queued for delivery.", messages.SUCCESS)


def event_type_choices() -> list[tuple[str, str]]:
    return [(ALL, "All events (*), including types added later")] + [
        (event_type.name, f"{event_type.name} — {event_type.description}") for event_type in registry.types()
    ]


class WebhookSubscriptionForm(forms.ModelForm):
    event_types = forms.MultipleChoiceField(
        choices=event_type_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="The registered event types to receive (also listed at /api/v1/event-types/).",
    )
    secret = forms.CharField(
        required=False,
        help_text="Leave blank to generate one (new subscription) or keep the current one (existing).",
        widget=forms.PasswordInput(render_value=False),
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "event_types", "active", "secret"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ServiceCheckedAdmin):
    permission_rules = config_rules(MANAGE_WEBHOOKS)
    form = WebhookSubscriptionForm
    list_display = ["name", "url", "event_types", "active", "created_by", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "url"]

    def save_model(self, request, obj, form, change) -> None:
        data = {name: form.cleaned_data.get(name) for name in ("name", "url", "event_types", "active")}
        secret = form.cleaned_data.get("secret") or None
        if change:
            saved = services.webhook_subscription_update(
                subscription=obj, actor=request.user, secret=secret, **data
            )
        else:
            saved = services.webhook_subscription_create(actor=request.user, secret=secret, **data)
            self.message_user(
                request,
                f"Signing secret for '{saved.name}' (shown once, store it now): {saved.secret}",
                messages.WARNING,
            )
        obj.pk = saved.pk

    def service_delete(self, obj, *, actor) -> None:
        services.webhook_subscription_delete(subscription=obj, actor=actor)

    def service_clean(self, cleaned: dict, *, obj) -> None:
        services.webhook_subscription_clean(
            name=cleaned.get("name"),
            url=cleaned.get("url"),
            event_types=cleaned.get("event_types"),
            secret=cleaned.get("secret") or None,
        )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "recipient", "event_type", "title", "created_at", "read_at"]
    list_filter = ["event_type"]
    search_fields = ["event_key", "title", "recipient__username"]
    list_select_related = ["recipient"]
    show_full_result_count = False
    readonly_fields = [
        "recipient",
        "event_type",
        "event_key",
        "title",
        "body",
        "url",
        "created_at",
        "read_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
