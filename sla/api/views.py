from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from core.api.permissions import HasRole
from sla import selectors, services
from sla.permissions import MANAGE_POLICIES

from .serializers import EscalationPolicySerializer, SlaPolicyInputSerializer, SlaPolicySerializer

SHORTHAND = {"response_target": "response", "resolution_target": "resolution"}


class SlaPolicyViewSet(viewsets.ModelViewSet):
    """SLA targets per process and priority, optionally per service (managers edit). Each target
    names the transitions that start, pause, resume and stop its clock; `response_target` and
    `resolution_target` are shorthands for the targets of those names."""

    permission_classes = [HasRole]
    write_permission = MANAGE_POLICIES
    serializer_class = SlaPolicySerializer
    filterset_fields = ["process", "priority", "service"]
    ordering_fields = ["priority", "id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.sla_policy_list()

    def _input(self, request, partial=False) -> dict:
        serializer = SlaPolicyInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @staticmethod
    def _targets(data: dict, current: list[dict]) -> list[dict] | None:
        """The targets to save: `targets` if given (else the current ones), with the shorthands'
        durations applied; None when the request changes no target."""
        given = data.pop("targets", None)
        durations = {name: data.pop(field) for field, name in SHORTHAND.items() if field in data}
        if given is None and not durations:
            return None
        targets = [dict(spec) for spec in (given if given is not None else current)]
        for spec in targets:
            if spec["name"] in durations:
                spec["duration"] = durations.pop(spec["name"])
        return targets + [{"name": name, "duration": duration} for name, duration in durations.items()]

    def _output(self, policy, **kwargs) -> Response:
        return Response(SlaPolicySerializer(selectors.sla_policy_list().get(pk=policy.pk)).data, **kwargs)

    @extend_schema(request=SlaPolicyInputSerializer, responses={201: SlaPolicySerializer})
    def create(self, request, *args, **kwargs):
        data = self._input(request)
        targets = self._targets(data, current=[]) or []
        policy = services.sla_policy_create(actor=request.user, targets=targets, **data)
        return self._output(policy, status=status.HTTP_201_CREATED)

    @extend_schema(request=SlaPolicyInputSerializer, responses={200: SlaPolicySerializer})
    def partial_update(self, request, *args, **kwargs):
        policy = self.get_object()
        data = self._input(request, partial=True)
        targets = self._targets(data, current=services.sla_target_specs(policy))
        policy = services.sla_policy_update(policy=policy, actor=request.user, targets=targets, **data)
        return self._output(policy)

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
