from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from catalog import graph, selectors
from catalog.api.serializers import (
    ConfigurationItemSerializer,
    ImpactQuerySerializer,
    ImpactSerializer,
    ServiceSerializer,
)
from core.api.serializers import ErrorSerializer


class ServiceViewSet(viewsets.ReadOnlyModelViewSet):
    """Business services that incidents and changes point at."""

    serializer_class = ServiceSerializer
    filterset_fields = ["criticality", "slug"]
    search_fields = ["name", "slug"]
    ordering_fields = ["name", "criticality", "id"]

    def get_queryset(self):
        return selectors.service_list()


class ConfigurationItemViewSet(viewsets.ReadOnlyModelViewSet):
    """Configuration items (CIs) with the CIs each depends on and the CIs that depend on it."""

    serializer_class = ConfigurationItemSerializer
    filterset_fields = ["kind", "service"]
    search_fields = ["name"]
    ordering_fields = ["name", "id"]

    def get_queryset(self):
        return selectors.ci_ids() if self.action == "impact" else selectors.ci_list()

    @extend_schema(
        summary="Impact analysis: every CI and service affected when this CI fails.",
        parameters=[ImpactQuerySerializer],
        responses={
            200: ImpactSerializer,
            400: OpenApiResponse(ErrorSerializer, "Bad `limit` or `depth`."),
            404: OpenApiResponse(ErrorSerializer, "No such CI."),
        },
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def impact(self, request, pk=None):
        """The CIs that depend on this one, transitively (dependents of dependents...), each with its
        distance in hops and the CI it is reached through, and every service they belong to with its
        criticality. Cycles in the graph are followed once; the walk stops after `max_depth` hops."""
        query = ImpactQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        ci = self.get_object()
        impact = graph.ci_impact([ci.pk], depth=query.validated_data.get("depth"))
        if not impact.roots:  # deleted meanwhile
            raise NotFound()
        return Response(impact_data(impact, limit=query.validated_data["limit"]))


def _ci(ci: graph.AffectedCI) -> dict:
    return {
        "id": ci.id,
        "name": ci.name,
        "kind": ci.kind,
        "service": ci.service_id,
        "depth": ci.depth,
        "via": ci.via,
    }


def impact_data(impact: graph.Impact, *, limit: int) -> dict:
    """The impact of one CI as the API returns it (plain dicts: thousands of rows, no per-row fields)."""
    return {
        "ci": _ci(impact.roots[0]),
        "max_depth": impact.max_depth,
        "truncated": impact.truncated,
        "ci_count": len(impact.cis),
        "highest_criticality": None
        if impact.highest_criticality is None
        else int(impact.highest_criticality),
        "cis": [_ci(ci) for ci in impact.cis[:limit]],
        "services": [
            {
                "id": s.id,
                "name": s.name,
                "slug": s.slug,
                "criticality": s.criticality.value,
                "criticality_display": s.criticality.label,
                "depth": s.depth,
                "ci_count": s.ci_count,
            }
            for s in impact.services
        ],
    }
