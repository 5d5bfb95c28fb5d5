"""Bare DRF endpoints over the incident table, the yardstick of `python -m bench http`.

Mounted under /bench-ref/ only when OPSDESK_BENCH_URLS=1 (opsdesk/urls.py): never in a normal deployment.
Plain model fields, the project's default authentication and throttling, nothing else."""

from django.urls import path
from rest_framework import generics, pagination, permissions, serializers

from incidents.models import Incident

PLAIN_FIELDS = (
    "id",
    "number",
    "title",
    "status",
    "priority",
    "impact",
    "urgency",
    "service",
    "assignee",
    "created_at",
    "updated_at",
)


class PlainIncidentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Incident
        fields = PLAIN_FIELDS
        read_only_fields = ("id", "number", "status", "priority", "assignee", "created_at", "updated_at")


class PlainCreateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Incident
        fields = ("id", "title", "description", "service", "impact", "urgency", "reporter")


class IdCursor(pagination.CursorPagination):
    ordering = "-id"
    page_size = 50


class Numbered(pagination.PageNumberPagination):
    page_size = 50


class Bare:
    """Signed in is enough; no filter backends (the project's defaults would add its own)."""

    permission_classes = (permissions.IsAuthenticated,)
    filter_backends = ()


class BareList(Bare, generics.ListAPIView):
    queryset = Incident.objects.only(*PLAIN_FIELDS)
    serializer_class = PlainIncidentSerializer
    pagination_class = IdCursor


class BareNumberedList(BareList):
    """Page-number pagination: a COUNT(*) of the table per request (a floor, not a goal)."""

    pagination_class = Numbered
    queryset = Incident.objects.only(*PLAIN_FIELDS).order_by("-id")


class BareDetail(Bare, generics.RetrieveAPIView):
    queryset = Incident.objects.only(*PLAIN_FIELDS)
    serializer_class = PlainIncidentSerializer


class BareCreate(Bare, generics.CreateAPIView):
    serializer_class = PlainCreateSerializer


urlpatterns = [
    path("incidents/", BareList.as_view()),
    path("incidents/numbered/", BareNumberedList.as_view()),
    path("incidents/<int:pk>/", BareDetail.as_view()),
    path("incidents/create/", BareCreate.as_view()),
]
