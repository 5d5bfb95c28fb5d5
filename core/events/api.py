"""GET /api/v1/event-types/: the registered event types with their versions and payload fields."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.schema import AutoSchema

from .registry import FIELD_TYPES, registry


class _NoInputSchema(AutoSchema):
    """No parameters, so no 400: only authentication, permission and rate-limit errors."""

    def _error_codes(self) -> list[str]:
        return [code for code in super()._error_codes() if code != "400"]


class EventFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=FIELD_TYPES, help_text="JSON type of the value.")
    description = serializers.CharField()
    nullable = serializers.BooleanField()


class EventPayloadFieldSerializer(EventFieldSerializer):
    fields = EventFieldSerializer(many=True, help_text="The keys of an object field (empty otherwise).")


class EventTypeSerializer(serializers.Serializer):
    name = serializers.CharField(
        help_text="Used in webhook subscriptions' event_types and as `type` in bodies."
    )
    version = serializers.IntegerField(help_text="Raised when the payload changes incompatibly.")
    description = serializers.CharField()
    fields = EventPayloadFieldSerializer(many=True, help_text="The keys of the payload (`data` in webhooks).")


class EventTypeListView(APIView):
    """Every event type OpsDesk publishes, sorted by name (a short, fixed list: not paginated).
    Webhook bodies are `{"id", "type", "created_at", "data"}` with the payload as `data`."""

    pagination_class = None
    schema = _NoInputSchema()

    @extend_schema(
        operation_id="event_types_list", tags=["event-types"], responses=EventTypeSerializer(many=True)
    )
    def get(self, request):
        return Response(EventTypeSerializer(registry.types(), many=True).data)
