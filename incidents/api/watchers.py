"""An incident's watchers through the API (the people who hear of its public updates), over
incidents.services.incident_watch with the detail page's rules: anyone with an OpsDesk role watches
or stops watching themselves; adding or removing someone else takes the right to edit incidents."""

from django.contrib.auth import get_user_model
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.pagination import CursorPagination
from core.api.serializers import ErrorSerializer, UserRefSerializer
from incidents import permissions, services

from .serializers import WatcherAddSerializer

_MAX_ID = 2**63 - 1
WRITE_PERMISSIONS = {"watchers": permissions.WATCH, "watcher_remove": permissions.WATCH}


class WatcherPagination(CursorPagination):
    ordering = ("username", "id")


class WatchersMixin:
    """`GET/POST /incidents/{id}/watchers/` and `DELETE /incidents/{id}/watchers/{user_id}/`."""

    @extend_schema(
        methods=["GET"],
        summary="The incident's watchers, by username.",
        responses={200: UserRefSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Watch the incident (or add someone else as a watcher). Adding a watcher twice changes nothing.",
        request=WatcherAddSerializer,
        responses={
            201: OpenApiResponse(UserRefSerializer, "Added: the watcher."),
            200: OpenApiResponse(UserRefSerializer, "Was watching already: the watcher."),
            409: OpenApiResponse(ErrorSerializer, "The incident is closed: no more watchers."),
        },
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=WatcherPagination)
    def watchers(self, request, pk=None):
        """Who hears of the incident's public updates (status changes and public comments)."""
        incident = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(incident.watchers.only("id", "username"))
            return self.get_paginated_response(UserRefSerializer(page, many=True).data)
        user = self._validated(WatcherAddSerializer, request).get("user", request.user)
        already = incident.watchers.filter(pk=user.pk).exists()
        services.incident_watch(incident=incident, actor=request.user, user=user)
        code = status.HTTP_200_OK if already else status.HTTP_201_CREATED
        return Response(UserRefSerializer(user).data, status=code)

    # extend_schema after @action: @action replaces the function's `kwargs`, where the schema is kept.
    @extend_schema(
        summary="Stop watching the incident (or remove someone else). Removing a non-watcher changes nothing.",
        parameters=[
            OpenApiParameter("user_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The user's id.")
        ],
        request=None,
        responses={204: OpenApiResponse(description="Not (or no longer) a watcher.")},
    )
    @action(detail=True, methods=["delete"], url_path=r"watchers/(?P<user_id>[0-9]+)", filter_backends=[])
    def watcher_remove(self, request, pk=None, user_id=None):
        """Take someone off the watchers: yourself, or anyone if you may edit incidents."""
        incident = self.get_object()
        if int(user_id) > _MAX_ID:
            raise Http404
        try:
            user = get_user_model().objects.get(pk=user_id)
        except get_user_model().DoesNotExist:
            raise Http404 from None
        services.incident_watch(incident=incident, actor=request.user, user=user, watching=False)
        return Response(status=status.HTTP_204_NO_CONTENT)
