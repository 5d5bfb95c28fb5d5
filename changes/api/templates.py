"""/api/v1/change-templates/: the standard change catalogue (managers and change managers write)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.response import Response

from changes import catalogue, permissions
from core.api.permissions import HasRole

from .serializers import ChangeTemplateInputSerializer, ChangeTemplateSerializer


class ChangeTemplateViewSet(viewsets.ModelViewSet):
    """Templates that pre-fill a standard (pre-approved) change, with their task lists."""

    permission_classes = [HasRole]
    write_permission = permissions.MANAGE_TEMPLATES
    serializer_class = ChangeTemplateSerializer
    filterset_fields = ["active"]
    ordering_fields = ["name", "id"]
    ordering = "name"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return catalogue.template_list()

    def _input(self, request, partial=False) -> dict:
        serializer = ChangeTemplateInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "tasks" in data:
            data["tasks"] = [dict(task) for task in data["tasks"]]
        return data

    def _output(self, template, **kwargs) -> Response:
        return Response(ChangeTemplateSerializer(self.get_queryset().get(pk=template.pk)).data, **kwargs)

    @extend_schema(request=ChangeTemplateInputSerializer, responses={201: ChangeTemplateSerializer})
    def create(self, request, *args, **kwargs):
        template = catalogue.template_create(actor=request.user, **self._input(request))
        return self._output(template, status=status.HTTP_201_CREATED)

    @extend_schema(request=ChangeTemplateInputSerializer, responses={200: ChangeTemplateSerializer})
    def partial_update(self, request, *args, **kwargs):
        template = self.get_object()
        template = catalogue.template_update(
            template=template, actor=request.user, **self._input(request, partial=True)
        )
        return self._output(template)

    def destroy(self, request, *args, **kwargs):
        catalogue.template_delete(template=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
