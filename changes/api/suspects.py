"""Suspected cause API: the incidents a change may have caused, the changes an incident may have been
caused by, confirming or dismissing a link, and the change success rate.

    GET  /api/v1/changes/{id}/suspected-incidents/
    GET  /api/v1/incidents/{id}/suspected-changes/
    GET  /api/v1/suspected-causes/{id}/
    POST /api/v1/suspected-causes/{id}/confirm/   {"note": "..."}
    POST /api/v1/suspected-causes/{id}/dismiss/   {"note": "..."} (required)
    GET  /api/v1/metrics/changes/?from=&to=&service=
"""

import django_filters
from django.apps import apps
from django.http import Http404
from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.forms import ServicePeriodForm
from core.api.ordering import OrderingFilter
from core.api.permissions import HasRole
from core.api.schema import period_parameters
from core.api.serializers import ErrorSerializer, NamedRefSerializer, StrictInputSerializer, UserRefSerializer
from core.filtersets import FilterSet

from .. import permissions, suspects
from ..models import Change, SuspectedCause, SuspectReason, SuspectStatus
from ..success import change_success_rate

# --- serializers -----------------------------------------------------------------------------------


class SuspectChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    outcome = serializers.CharField(help_text="successful, failed, rolled_back, or empty.")
    implemented_at = serializers.DateTimeField()


class SuspectIncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    priority = serializers.IntegerField()
    service = NamedRefSerializer()
    created_at = serializers.DateTimeField()


class SuspectedCauseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    change = SuspectChangeSerializer()
    incident = SuspectIncidentSerializer()
    reason = serializers.ChoiceField(
        choices=SuspectReason.choices,
        help_text="same_ci: the change touched the incident's CI; dependent_ci: the incident's CI depends "
        "(transitively) on a CI the change touched; same_service: the change touched the incident's service.",
    )
    ci = NamedRefSerializer(allow_null=True, help_text="The changed CI the match went through, if any.")
    status = serializers.ChoiceField(choices=SuspectStatus.choices)
    decided_by = UserRefSerializer(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    allowed_transitions = serializers.ListField(
        child=serializers.CharField(), help_text="confirm and dismiss while suggested; none once decided."
    )


class SuspectDecisionSerializer(StrictInputSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class SuspectDismissSerializer(StrictInputSerializer):
    note = serializers.CharField(
        max_length=4000, help_text="Why the change did not cause the incident (required)."
    )


# --- lists -----------------------------------------------------------------------------------------


class SuspectFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=SuspectStatus.choices)

    class Meta:
        model = SuspectedCause
        fields = ["status"]


class _SuspectList(generics.ListAPIView):
    permission_classes = [HasRole]
    serializer_class = SuspectedCauseSerializer
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, OrderingFilter]
    filterset_class = SuspectFilter
    ordering = ("-created_at",)
    ordering_fields = ["created_at"]

    parent_model = None

    def list(self, request, *args, **kwargs):
        if not self.parent_model.objects.filter(pk=self.kwargs["pk"]).exists():
            raise Http404  # a missing change or incident, not an empty list
        return super().list(request, *args, **kwargs)


@extend_schema(
    summary="The incidents this change may have caused (suggested, confirmed or dismissed links).",
    responses={
        200: SuspectedCauseSerializer(many=True),
        404: OpenApiResponse(ErrorSerializer, "No such change."),
    },
)
class ChangeSuspectsView(_SuspectList):
    parent_model = Change

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no pk
            return SuspectedCause.objects.none()
        return suspects.suspects_of_change(self.kwargs["pk"])


@extend_schema(
    summary="The changes this incident may have been caused by (suggested, confirmed or dismissed links).",
    responses={
        200: SuspectedCauseSerializer(many=True),
        404: OpenApiResponse(ErrorSerializer, "No such incident."),
    },
)
class IncidentSuspectsView(_SuspectList):
    @property
    def parent_model(self):
        return apps.get_model("incidents", "Incident")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SuspectedCause.objects.none()
        return suspects.suspects_of_incident(self.kwargs["pk"])


# --- one link and its decisions --------------------------------------------------------------------


def _decision_schema(summary: str, request):
    return extend_schema(
        summary=summary,
        request=request,
        responses={
            200: SuspectedCauseSerializer,
            400: OpenApiResponse(ErrorSerializer, "A dismissal without a note, or an unknown field."),
            403: OpenApiResponse(ErrorSerializer, "Only agents, managers and change managers decide."),
            404: OpenApiResponse(ErrorSerializer, "No such suspected cause."),
            409: OpenApiResponse(ErrorSerializer, "Already confirmed or dismissed."),
        },
    )


class SuspectedCauseViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """/api/v1/suspected-causes/{id}/: one link between a change and an incident; confirm or dismiss it."""

    permission_classes = [HasRole]
    write_permissions = {"confirm": permissions.LINK_INCIDENTS, "dismiss": permissions.LINK_INCIDENTS}
    serializer_class = SuspectedCauseSerializer
    filter_backends = []
    pagination_class = None

    def get_queryset(self):
        return suspects.suspect_list()

    def _decide(self, request, service, input_serializer):
        link = self.get_object()
        data = input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        service(link=link, actor=request.user, note=data.validated_data["note"])
        return Response(self.get_serializer(self.get_queryset().get(pk=link.pk)).data)

    @_decision_schema(
        "Confirm that the change caused the incident (counts against its success).", SuspectDecisionSerializer
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._decide(request, suspects.suspect_confirm, SuspectDecisionSerializer)

    @_decision_schema(
        "Dismiss the link: the change did not cause the incident (note required).", SuspectDismissSerializer
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        return self._decide(request, suspects.suspect_dismiss, SuspectDismissSerializer)


# --- change success rate ---------------------------------------------------------------------------


class ChangeSuccessRateSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="Start instant (inclusive).")
    end = serializers.DateTimeField(help_text="End instant (exclusive).")
    service = NamedRefSerializer(allow_null=True)
    implemented = serializers.IntegerField(help_text="Changes implemented in the period.")
    successful = serializers.IntegerField(help_text="Outcome successful and no incident confirmed as caused.")
    unsuccessful = serializers.IntegerField()
    failed = serializers.IntegerField(help_text="Outcome failed.")
    rolled_back = serializers.IntegerField(help_text="Outcome rolled back.")
    caused_incidents = serializers.IntegerField(
        help_text="Outcome successful, but an incident was confirmed as caused by the change."
    )
    percent = serializers.FloatField(
        allow_null=True,
        help_text="successful / implemented × 100, one decimal; null when none was implemented.",
    )


class ChangeMetricsView(APIView):
    """The change success rate of a period: confirmed suspected incidents count against success."""

    permission_classes = [HasRole]

    @extend_schema(
        operation_id="metrics_changes_retrieve",
        summary="Change success rate for a period (changes implemented in it).",
        parameters=[
            *period_parameters(),
            OpenApiParameter(
                "service", OpenApiTypes.INT, description="Only changes touching this service (id)."
            ),
        ],
        responses={
            200: ChangeSuccessRateSerializer,
            400: OpenApiResponse(
                ErrorSerializer, "Bad date, `to` before `from`, a period over 366 days or an unknown service."
            ),
        },
    )
    def get(self, request):
        # The period is read exactly as the SLA metrics read theirs (one parser for every metrics API).
        form = ServicePeriodForm(request.query_params, today=timezone.localdate())
        if not form.is_valid():
            raise ValidationError(form.error_lists())
        start, end = form.period()
        figures = change_success_rate(start, end, service=form.cleaned_data["service"])
        return Response(ChangeSuccessRateSerializer(figures).data)


urlpatterns = [  # included by changes/api/urls.py under /api/v1/
    path(
        "changes/<int:pk>/suspected-incidents/",
        ChangeSuspectsView.as_view(),
        name="change-suspected-incidents",
    ),
    path(
        "incidents/<int:pk>/suspected-changes/",
        IncidentSuspectsView.as_view(),
        name="incident-suspected-changes",
    ),
    path("metrics/changes/", ChangeMetricsView.as_view(), name="metrics-changes"),
]
