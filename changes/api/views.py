"""REST API for changes: thin views over changes.services (filing, planning, lifecycle),
changes.approvals (votes) and changes.scheduling (windows, conflicts)."""

from dataclasses import dataclass
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from changes import permissions, selectors, services
from changes.models import Change
from core.api.concurrency import etag_for, expected_version
from core.api.pagination import CursorPagination
from core.api.permissions import HasRole
from core.api.serializers import ErrorSerializer

from .approvals import ApprovalActions
from .scheduling import SchedulingActions
from .serializers import (
    ChangeAssessSerializer,
    ChangeCancelSerializer,
    ChangeCloseSerializer,
    ChangeCompleteSerializer,
    ChangeCreateSerializer,
    ChangeReviewSerializer,
    ChangeReviseSerializer,
    ChangeSerializer,
    ChangeStartSerializer,
    ChangeSubmitSerializer,
    ChangeUpdateSerializer,
    TimelineEntrySerializer,
)


@dataclass(frozen=True)
class Transition:
    input: type
    service: Any
    summary: str
    permission: str = permissions.TRANSITION


TRANSITIONS = {
    "submit": Transition(
        ChangeSubmitSerializer,
        services.change_submit,
        "Submit a draft: assesses the risk; a standard change is approved at once, a low or medium risk "
        "awaits approval, a high or very high one waits in assessment. 400 names missing plans.",
    ),
    "assess": Transition(
        ChangeAssessSerializer,
        services.change_assess,
        "A change manager's assessment of a change in assessment (note required); it then awaits approval.",
        permissions.ASSESS,
    ),
    "start": Transition(
        ChangeStartSerializer,
        services.change_start,
        "Start implementing a scheduled change (an approved emergency change at once).",
    ),
    "complete": Transition(
        ChangeCompleteSerializer,
        services.change_complete,
        "Finish implementing, with the outcome; 409 while a task is pending or in progress.",
    ),
    "review": Transition(
        ChangeReviewSerializer,
        services.change_review,
        "Record the post-implementation review (required before close for normal and emergency changes).",
    ),
    "close": Transition(ChangeCloseSerializer, services.change_close, "Close a reviewed change."),
    "cancel": Transition(
        ChangeCancelSerializer, services.change_cancel, "Cancel before implementation (reason required)."
    ),
    "revise": Transition(
        ChangeReviseSerializer, services.change_revise, "Take a rejected change back to draft."
    ),
}


class TimelinePagination(CursorPagination):
    ordering = ("created_at", "id")


def _transition_action(name: str, spec: Transition):
    def perform(self, request, pk=None):
        data = self._validated(spec.input, request)
        version = expected_version(request, data.pop("version", None))
        change = spec.service(change=self.get_object(), actor=request.user, expected_version=version, **data)
        return self._respond(change)

    perform.__name__ = name
    perform.__doc__ = spec.summary
    # extend_schema after @action: @action replaces the function's `kwargs`, where the schema is kept.
    return extend_schema(
        summary=spec.summary,
        request=spec.input,
        responses={
            200: ChangeSerializer,
            409: OpenApiResponse(ErrorSerializer, "Illegal or stale transition."),
        },
    )(action(detail=True, methods=["post"], url_path=name, filter_backends=[])(perform))


class ChangeViewSet(
    ApprovalActions,
    SchedulingActions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """/api/v1/changes/: list, create, detail, update and one action per transition."""

    permission_classes = [HasRole]
    write_permissions = {
        # The vote and scheduling actions name their own (a `write_permissions` dict on their mixin).
        **getattr(ApprovalActions, "write_permissions", {}),
        **getattr(SchedulingActions, "write_permissions", {}),
        "create": permissions.CREATE,
        "partial_update": permissions.UPDATE,
        **{name: spec.permission for name, spec in TRANSITIONS.items()},
    }
    serializer_class = ChangeSerializer
    filterset_fields = ["status", "type", "requester", "implementer"]
    ordering_fields = ["id", "created_at", "updated_at", "planned_start"]
    conflict_possible = True
    etag_actions = {"retrieve", "create", "partial_update", "schedule", *TRANSITIONS}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.change_list()

    def filter_queryset(self, queryset):
        """Filters and ordering apply to the list; a detail route only looks the row up."""
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def _validated(self, serializer_class, request) -> dict:
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _respond(self, change: Change, status_code=status.HTTP_200_OK, *, fresh=False) -> Response:
        if not fresh:
            change = selectors.change_list().get(pk=change.pk)
        response = Response(
            ChangeSerializer(change, context=self.get_serializer_context()).data, status=status_code
        )
        response["ETag"] = etag_for(change.version)
        return response

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object(), fresh=True)

    @extend_schema(request=ChangeCreateSerializer, responses={201: ChangeSerializer})
    def create(self, request, *args, **kwargs):
        data = self._validated(ChangeCreateSerializer, request)
        change = services.change_create(actor=request.user, **data)
        return self._respond(change, status.HTTP_201_CREATED)

    @extend_schema(
        request=ChangeUpdateSerializer,
        responses={
            200: ChangeSerializer,
            409: OpenApiResponse(ErrorSerializer, "Stale version or not a draft."),
        },
    )
    def partial_update(self, request, *args, **kwargs):
        data = self._validated(ChangeUpdateSerializer, request)
        version = expected_version(request, data.pop("version", None))
        change = services.change_update(
            change=self.get_object(), actor=request.user, expected_version=version, **data
        )
        return self._respond(change)

    @extend_schema(responses={200: TimelineEntrySerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=TimelinePagination)
    def timeline(self, request, pk=None):
        """Everything that happened to the change, oldest first; entries are never edited."""
        entries = selectors.change_timeline(change=self.get_object(), viewer=request.user)
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(TimelineEntrySerializer(page, many=True).data)


for _name, _spec in TRANSITIONS.items():  # one POST action per lifecycle step, e.g. /changes/{id}/submit/
    setattr(ChangeViewSet, _name, _transition_action(_name, _spec))
