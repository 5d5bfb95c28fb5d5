"""REST API for incidents: thin views over incidents.services and incidents.selectors."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import idempotency
from core.api.concurrency import etag_for, expected_version
from core.api.filters import FilterBackend
from core.api.ordering import OrderingFilter
from core.api.pagination import CursorPagination
from core.api.permissions import HasRole
from core.api.serializers import ErrorSerializer, TimelineEntrySerializer
from core.errors import InvalidInput
from incidents import permissions, search, selectors, services
from incidents.filters import IncidentFilter
from incidents.models import TRANSITIONS, Incident

from .serializers import (
    CommentCreateSerializer,
    EscalateSerializer,
    HoldSerializer,
    IncidentCreateSerializer,
    IncidentSerializer,
    IncidentUpdateSerializer,
    NoteRequiredTransitionSerializer,
    ResolveSerializer,
    TransitionSerializer,
)
from .watchers import WRITE_PERMISSIONS as WATCHER_PERMISSIONS
from .watchers import WatchersMixin

TRANSITION_INPUT = {
    "resolve": ResolveSerializer,
    "hold": HoldSerializer,
    "cancel": NoteRequiredTransitionSerializer,
    "reopen": NoteRequiredTransitionSerializer,
}
TRANSITION_SUMMARY = {
    "acknowledge": "Acknowledge a new incident (stops the response clock).",
    "start": "Start work on an acknowledged incident.",
    "hold": "Put an incident in progress on hold, saying why, optionally until a resume-by time.",
    "resume": "Resume work on an incident on hold.",
    "resolve": "Resolve with a resolution code and notes (from acknowledged or in progress).",
    "close": "Close a resolved incident.",
    "reopen": "Reopen a resolved incident (note required).",
    "cancel": "Cancel an open incident (note required).",
}


class TimelinePagination(CursorPagination):
    ordering = ("created_at", "id")


def _transition_action(name: str):
    input_serializer = TRANSITION_INPUT.get(name, TransitionSerializer)

    def perform(self, request, pk=None):
        data = self._validated(input_serializer, request)
        version = expected_version(request, data.pop("version", None))
        incident = services.incident_transition(
            incident=self.get_object(), actor=request.user, action=name, expected_version=version, **data
        )
        return self._respond(incident)

    perform.__name__ = name
    perform.__doc__ = TRANSITION_SUMMARY[name]
    # extend_schema after @action: @action replaces the function's `kwargs`, where the schema is kept.
    return extend_schema(
        summary=TRANSITION_SUMMARY[name],
        request=input_serializer,
        responses={
            200: IncidentSerializer,
            409: OpenApiResponse(ErrorSerializer, "Illegal or stale transition."),
        },
    )(action(detail=True, methods=["post"], url_path=name, filter_backends=[])(perform))


class IncidentViewSet(
    WatchersMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Incidents: file, edit, walk through the lifecycle, comment, read the timeline, watch."""

    permission_classes = [HasRole]
    write_permissions = {
        "create": permissions.CREATE,
        "partial_update": permissions.UPDATE,
        "escalate": permissions.ESCALATE,
        "comments": permissions.COMMENT,
        **{name: permissions.TRANSITION for name in TRANSITIONS},
        **WATCHER_PERMISSIONS,
    }
    serializer_class = IncidentSerializer
    # `?search=` is IncidentFilter's (full text, incidents.search), not DRF's SearchFilter.
    filter_backends = [FilterBackend, OrderingFilter]
    filterset_class = IncidentFilter
    ordering_fields = ["id", "created_at", "updated_at", "priority", "number", "sla_due_at"]
    conflict_possible = True
    etag_actions = {"retrieve", "create", "partial_update", "escalate", *TRANSITIONS}

    @property
    def ordering(self):
        """Without `?ordering=`: most relevant first when searching, else the pagination's (newest first)."""
        request = getattr(self, "request", None)
        searching = request is not None and search.requested(request.query_params, ("search", "q"))
        return search.RANK_ORDERING if searching and self.action == "list" else None

    def get_queryset(self):
        reading = self.action in ("list", "retrieve")
        return selectors.incident_rows() if reading else selectors.incident_list()

    def filter_queryset(self, queryset):
        """Filters, search and ordering apply to the list; a detail route only looks the row up."""
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}  # one instant per response

    def _validated(self, serializer_class, request) -> dict:
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _respond(self, incident: Incident, status_code=status.HTTP_200_OK, *, fresh=False) -> Response:
        """The incident as every endpoint returns it; re-read after a write unless `fresh` (read
        through incidents.selectors.incident_rows() or completed by incident_row())."""
        if not fresh:
            incident = selectors.incident_rows().get(pk=incident.pk)
        response = Response(self.get_serializer(incident).data, status=status_code)
        response["ETag"] = etag_for(incident.version)
        return response

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object(), fresh=True)

    @extend_schema(request=IncidentCreateSerializer, responses={201: IncidentSerializer})
    def create(self, request, *args, **kwargs):
        data = self._validated(IncidentCreateSerializer, request)
        incident = services.incident_create(actor=request.user, **data)
        # Nothing else wrote the new incident in between: answer with what the service returned.
        return self._respond(selectors.incident_row(incident), status.HTTP_201_CREATED, fresh=True)

    @extend_schema(
        request=IncidentUpdateSerializer,
        responses={
            200: IncidentSerializer,
            409: OpenApiResponse(ErrorSerializer, "Stale version or closed."),
        },
    )
    def partial_update(self, request, *args, **kwargs):
        data = self._validated(IncidentUpdateSerializer, request)
        version = expected_version(request, data.pop("version", None))
        incident = services.incident_update(
            incident=self.get_object(), actor=request.user, expected_version=version, **data
        )
        return self._respond(incident)

    @extend_schema(
        request=EscalateSerializer,
        parameters=[
            OpenApiParameter(
                idempotency.HEADER,
                str,
                OpenApiParameter.HEADER,
                description="A key of yours for this escalation (required without `level`): a retry with the "
                "same key returns the incident and fires nothing more.",
            )
        ],
        responses={
            200: IncidentSerializer,
            400: OpenApiResponse(ErrorSerializer, "Neither `level` nor an Idempotency-Key header."),
            409: OpenApiResponse(ErrorSerializer, "No further escalation level, or escalated meanwhile."),
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def escalate(self, request, pk=None):
        """Escalate now: fire the next level of the incident's escalation policy. Say which level you
        saw (`level`) or send an Idempotency-Key, so that a retried request cannot escalate twice."""
        data = self._validated(EscalateSerializer, request)
        key = request.headers.get(idempotency.HEADER, "").strip() or None
        if key is not None and len(key) > idempotency.MAX_KEY_LENGTH:
            raise InvalidInput({idempotency.HEADER: f"At most {idempotency.MAX_KEY_LENGTH} characters."})
        if key is None and data.get("level") is None:
            raise InvalidInput(
                {"level": "Give the escalation level you saw, or send an Idempotency-Key header, so that a "
                 "retry cannot escalate twice."}
            )  # fmt: skip
        incident = services.incident_escalate(
            incident=self.get_object(),
            actor=request.user,
            note=data["note"],
            expected_level=data.get("level"),
            idempotency_key=key,
        )
        return self._respond(incident)

    @extend_schema(methods=["GET"], responses={200: TimelineEntrySerializer(many=True)})
    @extend_schema(
        methods=["POST"], request=CommentCreateSerializer, responses={201: TimelineEntrySerializer}
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=TimelinePagination)
    def comments(self, request, pk=None):
        """Public updates and internal work notes (internal ones only for IT staff)."""
        incident = self.get_object()
        if request.method == "POST":
            data = self._validated(CommentCreateSerializer, request)
            entry = services.incident_comment_add(incident=incident, actor=request.user, **data)
            return Response(TimelineEntrySerializer(entry).data, status=status.HTTP_201_CREATED)
        entries = selectors.incident_timeline(incident=incident, viewer=request.user).filter(kind="comment")
        return self._paginated_timeline(entries)

    @extend_schema(responses={200: TimelineEntrySerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=TimelinePagination)
    def timeline(self, request, pk=None):
        """Everything that happened to the incident, oldest first; entries are never edited."""
        return self._paginated_timeline(
            selectors.incident_timeline(incident=self.get_object(), viewer=request.user)
        )

    def _paginated_timeline(self, entries):
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(TimelineEntrySerializer(page, many=True).data)


for _name in TRANSITIONS:  # one POST action per lifecycle transition, e.g. /incidents/{id}/acknowledge/
    setattr(IncidentViewSet, _name, _transition_action(_name))
