"""/api/v1/freeze-windows/: freeze (blackout) windows, global or per service. Everyone with a role reads;
change managers and managers write (changes.freeze)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from catalog.models import Service
from core.api.dates import InstantField
from core.api.permissions import HasRole
from core.api.serializers import StrictInputSerializer, UserRefSerializer

from .. import freeze
from ..models import FreezeWindow
from ..permissions import MANAGE_FREEZE_WINDOWS


class FreezeWindowSerializer(serializers.ModelSerializer):
    services = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    is_global = serializers.SerializerMethodField(help_text="True when it applies to every service.")
    created_by = UserRefSerializer(allow_null=True, read_only=True)

    class Meta:
        model = FreezeWindow
        fields = [
            "id",
            "name",
            "reason",
            "starts_at",
            "ends_at",
            "services",
            "is_global",
            "active",
            "created_by",
        ]
        read_only_fields = fields

    def get_is_global(self, window) -> bool:
        return not window.services.all()


class FreezeWindowInputSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=120)
    reason = serializers.CharField(required=False, allow_blank=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    services = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Service.objects.all(), required=False, help_text="Service ids; none: global."
    )
    active = serializers.BooleanField(required=False)

    def validate(self, attrs):
        start, end = attrs.get("starts_at"), attrs.get("ends_at")
        if self.instance is not None:
            start, end = start or self.instance.starts_at, end or self.instance.ends_at
        if start and end and end <= start:
            raise serializers.ValidationError({"ends_at": ["The window must end after it starts."]})
        return attrs


class FreezeWindowQuerySerializer(serializers.Serializer):
    # `from` is a keyword: declared through the fields mapping.
    to = InstantField(required=False)
    service = serializers.PrimaryKeyRelatedField(queryset=Service.objects.all(), required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = InstantField(required=False)
        return fields


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("from", str, description="Only windows ending after this instant (ISO 8601)."),
            OpenApiParameter("to", str, description="Only windows starting before this instant (ISO 8601)."),
            OpenApiParameter(
                "service", int, description="Only windows applying to this service: its own and global ones."
            ),
        ]
    ),
    create=extend_schema(request=FreezeWindowInputSerializer, responses={201: FreezeWindowSerializer}),
    partial_update=extend_schema(
        request=FreezeWindowInputSerializer, responses={200: FreezeWindowSerializer}
    ),
)
class FreezeWindowViewSet(viewsets.ModelViewSet):
    """Freeze windows: no normal or standard change may be scheduled into an active one that applies to
    it; an emergency change may, with an override reason."""

    permission_classes = [HasRole]
    write_permission = MANAGE_FREEZE_WINDOWS
    serializer_class = FreezeWindowSerializer
    ordering = ("starts_at", "id")
    ordering_fields = ["starts_at", "ends_at", "id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if self.action != "list":
            return freeze.freeze_window_list()
        query = FreezeWindowQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        return freeze.freeze_window_list(
            start=params.get("from"), end=params.get("to"), service=params.get("service")
        )

    def _input(self, request, instance=None) -> dict:
        serializer = FreezeWindowInputSerializer(instance, data=request.data, partial=instance is not None)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _output(self, window, **kwargs) -> Response:
        return Response(FreezeWindowSerializer(freeze.freeze_window_list().get(pk=window.pk)).data, **kwargs)

    def create(self, request, *args, **kwargs):
        window = freeze.freeze_window_create(actor=request.user, **self._input(request))
        return self._output(window, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        window = self.get_object()
        window = freeze.freeze_window_update(
            window=window, actor=request.user, **self._input(request, window)
        )
        return self._output(window)

    def destroy(self, request, *args, **kwargs):
        freeze.freeze_window_delete(window=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
