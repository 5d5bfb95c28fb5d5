"""REST API for integrations (managers): thin views over alerts.services and alerts.selectors."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from alerts import selectors, services
from alerts.permissions import MANAGE
from core.api.permissions import requires

from .serializers import IntegrationInputSerializer, IntegrationSerializer, IntegrationUpdateSerializer

CanManageIntegrations = requires(MANAGE)


def _validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class IntegrationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Alert integrations (managers and superusers). An `alertmanager` integration receives
    Alertmanager's webhook at `url`; an `events_v2` one receives PagerDuty Events API v2 events at
    `<url>/v2/enqueue` with its `key` as `routing_key`. A firing alert opens an incident on
    `service` (or joins its group's open one), a resolved one may resolve it (`auto_resolve`)."""

    permission_classes = [CanManageIntegrations]
    serializer_class = IntegrationSerializer
    filter_backends = []
    ordering = ("name", "id")
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.integration_list()

    def _output(self, integration, **kwargs) -> Response:
        fresh = self.get_queryset().get(pk=integration.pk)
        return Response(IntegrationSerializer(fresh, context={"request": self.request}).data, **kwargs)

    @extend_schema(request=IntegrationInputSerializer, responses={201: IntegrationSerializer})
    def create(self, request, *args, **kwargs):
        data = _validated(IntegrationInputSerializer, request)
        integration = services.integration_create(actor=request.user, **data)
        return self._output(integration, status=status.HTTP_201_CREATED)

    @extend_schema(request=IntegrationUpdateSerializer, responses={200: IntegrationSerializer})
    def partial_update(self, request, *args, **kwargs):
        data = _validated(IntegrationUpdateSerializer, request)
        integration = services.integration_update(integration=self.get_object(), actor=request.user, **data)
        return self._output(integration)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.integration_delete(integration=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
