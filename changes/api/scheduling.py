"""The change API's scheduling actions: schedule (POST /changes/{id}/schedule/) and conflicts
(GET /changes/{id}/conflicts/), thin views over changes.scheduling."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404  # a malformed id is a 404, not a 500
from rest_framework.response import Response

from core.api.concurrency import etag_for, expected_version
from core.api.dates import InstantField
from core.api.permissions import requires
from core.api.serializers import ErrorSerializer, StrictInputSerializer, UserRefSerializer

from .. import permissions, scheduling
from ..models import Change, ConflictKind


class AcknowledgementInputSerializer(StrictInputSerializer):
    change = serializers.IntegerField(help_text="Id of the other change.")
    kind = serializers.ChoiceField(choices=ConflictKind.choices)
    note = serializers.CharField(help_text="Why this conflict is acceptable (shown to the CAB).")


class ScheduleInputSerializer(StrictInputSerializer):
    planned_start = serializers.DateTimeField(
        required=False, help_text="Start of the window (default: the change's planned start)."
    )
    planned_end = serializers.DateTimeField(
        required=False, help_text="End of the window, exclusive (default: the change's planned end)."
    )
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Emergency changes only: why the change must go into a freeze window it overlaps.",
    )
    acknowledge = AcknowledgementInputSerializer(
        many=True,
        required=False,
        default=list,
        help_text="The conflicts the caller accepts, each with a note.",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, help_text="The version last seen (or If-Match).")


class ScheduledChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Change
        fields = [
            "id",
            "number",
            "title",
            "type",
            "status",
            "version",
            "planned_start",
            "planned_end",
            "scheduled_at",
            "freeze_override_reason",
        ]
        read_only_fields = fields


class ConflictCISerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AcknowledgementSerializer(serializers.Serializer):
    note = serializers.CharField()
    by = UserRefSerializer(source="acknowledged_by", allow_null=True, default=None)
    at = serializers.DateTimeField(source="acknowledged_at")


class ConflictSerializer(serializers.Serializer):
    change = serializers.IntegerField(source="change_id", help_text="Id of the other change.")
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    planned_start = serializers.DateTimeField()
    planned_end = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=ConflictKind.choices)
    cis = ConflictCISerializer(
        many=True, help_text="The other change's CIs that collide (none for implementer)."
    )
    acknowledged = serializers.SerializerMethodField()
    acknowledgement = AcknowledgementSerializer(allow_null=True)

    def get_acknowledged(self, conflict) -> bool:
        return conflict.acknowledgement is not None


class FreezeRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class ConflictReportSerializer(serializers.Serializer):
    planned_start = serializers.DateTimeField(allow_null=True, help_text="The window checked.")
    planned_end = serializers.DateTimeField(allow_null=True)
    conflicts = ConflictSerializer(many=True)
    freeze_windows = FreezeRefSerializer(many=True, help_text="Active freeze windows the window overlaps.")


class WindowQuerySerializer(serializers.Serializer):
    start = InstantField(required=False)
    end = InstantField(required=False)

    def validate(self, attrs):
        if ("start" in attrs) != ("end" in attrs):
            raise serializers.ValidationError(
                {"end" if "start" in attrs else "start": ["Give start and end."]}
            )
        if "start" in attrs and attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": ["The end must be after the start."]})
        return attrs


CHANGE_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The change's id.")


class SchedulingActions:
    """Mixed into ChangeViewSet."""

    def _change_for_scheduling(self) -> Change:
        change = get_object_or_404(Change.objects.select_related("implementer"), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, change)
        return change

    @extend_schema(
        summary="Schedule an approved change (or reschedule a scheduled one) into its window.",
        parameters=[CHANGE_ID],
        request=ScheduleInputSerializer,
        responses={
            200: ScheduledChangeSerializer,
            400: OpenApiResponse(ErrorSerializer, "Bad window, or an emergency override without a reason."),
            403: OpenApiResponse(ErrorSerializer, "Not allowed to schedule, or to override a freeze."),
            409: OpenApiResponse(
                ErrorSerializer,
                "Not approved or scheduled; stale version; the window is in a freeze window; or it collides "
                "with other changes that were not acknowledged (each named with its CIs).",
            ),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        filter_backends=[],
        permission_classes=[requires(permissions.SCHEDULE)],
    )
    def schedule(self, request, pk=None):
        """A normal or standard change cannot go into a freeze window; an emergency one can, with
        `override_reason`. Every conflict (same CI, connected CI, same implementer in an overlapping
        window) must be acknowledged, now or before."""
        serializer = ScheduleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = expected_version(request, data.pop("version", None))
        change = scheduling.change_schedule(
            change=self._change_for_scheduling(),
            actor=request.user,
            acknowledge=[dict(item) for item in data.pop("acknowledge", [])],
            expected_version=version,
            **data,
        )
        response = Response(ScheduledChangeSerializer(change).data)
        response["ETag"] = etag_for(change.version)
        return response

    @extend_schema(
        summary="The change's conflicts in its planned window, or in a proposed one.",
        parameters=[
            CHANGE_ID,
            OpenApiParameter("start", str, description="Proposed window start (ISO 8601), with end."),
            OpenApiParameter("end", str, description="Proposed window end (ISO 8601), with start."),
        ],
        responses={200: ConflictReportSerializer, 400: OpenApiResponse(ErrorSerializer, "Bad window.")},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def conflicts(self, request, pk=None):
        """Other active changes overlapping the window on the same or a connected CI, or with the same
        implementer, each with its acknowledgement (if any); and the freeze windows it overlaps."""
        query = WindowQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        change = self._change_for_scheduling()
        window = (
            (query.validated_data["start"], query.validated_data["end"]) if query.validated_data else None
        )
        conflicts = scheduling.change_conflicts(change, window=window)
        start, end = window or (change.planned_start, change.planned_end)
        freezes = scheduling.change_freeze_windows(change, window=window)
        report = {
            "planned_start": start,
            "planned_end": end,
            "conflicts": conflicts,
            "freeze_windows": freezes,
        }
        return Response(ConflictReportSerializer(report).data)
