from rest_framework import viewsets

from catalog import selectors
from catalog.api.serializers import ConfigurationItemSerializer, ServiceSerializer


class ServiceViewSet(viewsets.ReadOnlyModelViewSet):
    """Business services that incidents and changes point at."""

    serializer_class = ServiceSerializer
    filterset_fields = ["criticality", "slug"]
    search_fields = ["name", "slug"]
    ordering_fields = ["name", "criticality", "id"]

    def get_queryset(self):
        return selectors.service_list()


class ConfigurationItemViewSet(viewsets.ReadOnlyModelViewSet):
    """Configuration items (CIs) with the CIs each depends on."""

    serializer_class = ConfigurationItemSerializer
    filterset_fields = ["kind", "service"]
    search_fields = ["name"]
    ordering_fields = ["name", "id"]

    def get_queryset(self):
        return selectors.ci_list()
