"""GET /api/v1/metrics/sla/: the SLA dashboard's figures as JSON (same computation as the page)."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import HasRole
from core.api.schema import period_parameters
from core.api.serializers import ErrorSerializer
from reports.forms import SlaFilterForm
from reports.metrics import sla_metrics

from .serializers import SlaMetricsSerializer


class SlaMetricsView(APIView):
    """SLA compliance, MTTA/MTTR, breaches, incidents at risk, open backlog and the weekly trend."""

    permission_classes = [HasRole]

    @extend_schema(
        operation_id="metrics_sla_retrieve",
        summary="SLA figures for a period (the managers' dashboard).",
        parameters=[
            *period_parameters(),
            OpenApiParameter("service", OpenApiTypes.INT, description="Only this service's incidents (id)."),
            OpenApiParameter(
                "breaches_page", OpenApiTypes.INT, description="Page of `breaches` (from 1; 50 a page)."
            ),
            OpenApiParameter(
                "at_risk_page", OpenApiTypes.INT, description="Page of `at_risk` (from 1; 50 a page)."
            ),
        ],
        responses={
            200: SlaMetricsSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                "Bad date, `to` before `from`, a period over 366 days, an unknown service or a bad page.",
            ),
        },
    )
    def get(self, request):
        form = SlaFilterForm(request.query_params, today=timezone.localdate())
        if not form.is_valid():
            raise ValidationError(form.error_lists())
        metrics = sla_metrics(**form.metrics_kwargs())
        return Response(SlaMetricsSerializer(metrics).data)
