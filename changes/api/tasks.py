"""The change's work orders over the API: /api/v1/changes/{change_id}/tasks/ (list, add, reorder) and
/api/v1/changes/{change_id}/tasks/{id}/ with one action per task step (start, finish, fail, skip)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from changes import permissions, work_orders
from changes.models import Change
from core.api.permissions import HasRole
from core.api.serializers import ErrorSerializer

from .serializers import (
    ChangeTaskCreateSerializer,
    ChangeTaskFailSerializer,
    ChangeTaskFinishSerializer,
    ChangeTaskReorderSerializer,
    ChangeTaskSerializer,
    ChangeTaskSkipSerializer,
    ChangeTaskStartSerializer,
)

STEPS = {
    "start": (ChangeTaskStartSerializer, "Start a pending task (the change must be implementing)."),
    "finish": (ChangeTaskFinishSerializer, "Finish a task in progress."),
    "fail": (
        ChangeTaskFailSerializer,
        "Fail a task in progress (note required): the rollback plan is offered.",
    ),
    "skip": (ChangeTaskSkipSerializer, "Skip a pending task (note required)."),
}
CHANGE_ID = OpenApiParameter("change_id", int, OpenApiParameter.PATH, description="The change's id.")


def _step_action(name: str):
    input_serializer, summary = STEPS[name]

    def perform(self, request, change_id=None, pk=None):
        serializer = input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = work_orders.task_transition(
            task=self.get_object(), actor=request.user, action=name, **serializer.validated_data
        )
        return Response(ChangeTaskSerializer(work_orders.task_list(task.change_id).get(pk=task.pk)).data)

    perform.__name__ = name
    perform.__doc__ = summary
    # extend_schema after @action: @action replaces the function's `kwargs`, where the schema is kept.
    return extend_schema(
        summary=summary,
        parameters=[CHANGE_ID],
        request=input_serializer,
        responses={200: ChangeTaskSerializer, 409: OpenApiResponse(ErrorSerializer, "Illegal task step.")},
    )(action(detail=True, methods=["post"], url_path=name, filter_backends=[])(perform))


@extend_schema_view(
    list=extend_schema(parameters=[CHANGE_ID]),
    retrieve=extend_schema(parameters=[CHANGE_ID]),
)
class ChangeTaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A change's implementation tasks, in order."""

    permission_classes = [HasRole]
    write_permissions = {
        "create": permissions.UPDATE,
        "reorder": permissions.UPDATE,
        **{name: permissions.WORK_TASK for name in STEPS},
    }
    serializer_class = ChangeTaskSerializer
    pagination_class = None  # a change has a handful of tasks: the whole list, in order
    conflict_possible = True
    filter_backends = []

    def _change(self) -> Change:
        return get_object_or_404(Change.objects.only("pk"), pk=self.kwargs["change_id"])

    def get_queryset(self):
        return work_orders.task_list(self.kwargs["change_id"])

    def list(self, request, *args, **kwargs):
        self._change()  # 404 for an unknown change, not an empty list
        return super().list(request, *args, **kwargs)

    @extend_schema(
        parameters=[CHANGE_ID], request=ChangeTaskCreateSerializer, responses={201: ChangeTaskSerializer}
    )
    def create(self, request, change_id=None):
        serializer = ChangeTaskCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = work_orders.task_add(change=self._change(), actor=request.user, **serializer.validated_data)
        return Response(
            ChangeTaskSerializer(self.get_queryset().get(pk=task.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        parameters=[CHANGE_ID],
        request=ChangeTaskReorderSerializer,
        responses={200: ChangeTaskSerializer(many=True)},
    )
    @action(detail=False, methods=["post"])
    def reorder(self, request, change_id=None):
        """Put the tasks in a new order (every task id once)."""
        serializer = ChangeTaskReorderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        work_orders.task_reorder(
            change=self._change(), actor=request.user, order=serializer.validated_data["order"]
        )
        return Response(ChangeTaskSerializer(self.get_queryset(), many=True).data)


for _name in STEPS:
    setattr(ChangeTaskViewSet, _name, _step_action(_name))
