from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from core.api.permissions import HasRole
from sla import selectors, services
from sla.permissions import MANAGE_POLICIES

from .serializers import EscalationPolicySerializer, SlaPolicyInputSerializer, SlaPolicySerializer


class SlaPolicyViewSet(viewsets.ModelViewSet):
    """Response and resolution targets per priority, optionally per service (managers edit)."""

    permission_classes = [HasRole]
    write_permission = MANAGE_POLICIES
    serializer_class = SlaPolicySerializer
    filterset_fields = ["priority", "service"]
    ordering_fields = ["priority", "id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.sla_policy_list()

    def _input(self, request, partial=False) -> dict:
        serializer = SlaPolicyInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(request=SlaPolicyInputSerializer, responses={201: SlaPolicySerializer})
    def create(self, request, *args, **kwargs):
        policy = services.sla_policy_create(actor=request.user, **self._input(request))
        return Response(SlaPolicySerializer(policy).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SlaPolicyInputSerializer, responses={200: SlaPolicySerializer})
    def partial_update(self, request, *args, **kwargs):
        data = self._input(request, partial=True)
        policy = services.sla_policy_update(policy=self.get_object(), actor=request.user, **data)
        return Response(SlaPolicySerializer(policy).data)

    def destroy(self, request, *args, **kwargs):
        services.sla_policy_delete(policy=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EscalationPolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Escalation policies per process and their ordered levels (edited in the admin)."""

    serializer_class = EscalationPolicySerializer
    filterset_fields = ["process", "priority", "service", "active"]
    ordering_fields = ["name", "id"]

    def get_queryset(self):
        return selectors.escalation_policy_list()
