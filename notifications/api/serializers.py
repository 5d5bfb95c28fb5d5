from rest_framework import serializers

from core.api.serializers import StrictInputSerializer, UserRefSerializer
from notifications.models import Notification, WebhookSubscription


class NotificationSerializer(serializers.ModelSerializer):
    unread = serializers.BooleanField(source="is_unread")

    class Meta:
        model = Notification
        fields = ["id", "event_type", "event_key", "title", "body", "url", "created_at", "read_at", "unread"]
        read_only_fields = fields


class MarkReadSerializer(StrictInputSerializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=1000,
        help_text="Your notification ids to mark read; omit to mark all read. Other ids are ignored.",
    )


class MarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications changed from unread to read.")
    unread_count = serializers.IntegerField(help_text="Unread notifications left (counted up to 100).")


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    """A subscription as reads return it: the secret is never shown again after creation."""

    created_by = UserRefSerializer(allow_null=True)
    event_types = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = WebhookSubscription
        fields = ["id", "name", "url", "event_types", "active", "created_by", "created_at", "updated_at"]
        read_only_fields = fields


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(help_text="The signing secret: shown this once, store it now.")

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookSubscriptionCreateSerializer(StrictInputSerializer):
    # Plain strings: the service validates URL and event types, so API, admin and code agree.
    name = serializers.CharField(max_length=100)
    url = serializers.CharField(max_length=500, help_text="http:// or https:// endpoint.")
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=100),
        min_length=1,
        help_text='Registered event types to receive (GET /api/v1/event-types/), or ["*"] for all.',
    )
    secret = serializers.CharField(
        required=False,
        write_only=True,
        min_length=16,
        max_length=200,
        help_text="Standard Webhooks secret whsec_<base64 key> (any other string is taken as the key's "
        "bytes and stored as whsec_<base64>); omitted = generated and returned once.",
    )
    active = serializers.BooleanField(required=False, default=True)


class WebhookSubscriptionUpdateSerializer(WebhookSubscriptionCreateSerializer):
    """Any subset of the fields; a new `secret` rotates the signing key (not echoed back)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
        self.fields["active"].default = serializers.empty
