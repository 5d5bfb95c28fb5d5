from django.urls import path
from rest_framework.routers import DefaultRouter

from . import suspects
from .approval_policies import ApprovalPolicyViewSet
from .freeze import FreezeWindowViewSet
from .tasks import ChangeTaskViewSet
from .templates import ChangeTemplateViewSet
from .views import ChangeViewSet

router = DefaultRouter()
router.register("changes", ChangeViewSet, basename="change")
router.register("suspected-causes", suspects.SuspectedCauseViewSet, basename="suspected-cause")
router.register("freeze-windows", FreezeWindowViewSet, basename="freeze-window")
router.register("approval-policies", ApprovalPolicyViewSet, basename="approval-policy")

router.register("change-templates", ChangeTemplateViewSet, basename="change-template")

tasks = ChangeTaskViewSet.as_view({"get": "list", "post": "create"})
task = ChangeTaskViewSet.as_view({"get": "retrieve"})
task_routes = [
    path("changes/<int:change_id>/tasks/", tasks, name="change-task-list"),
    path(
        "changes/<int:change_id>/tasks/reorder/",
        ChangeTaskViewSet.as_view({"post": "reorder"}),
        name="change-task-reorder",
    ),
    path("changes/<int:change_id>/tasks/<int:pk>/", task, name="change-task-detail"),
    *[
        path(
            f"changes/<int:change_id>/tasks/<int:pk>/{name}/",
            ChangeTaskViewSet.as_view({"post": name}),
            name=f"change-task-{name}",
        )
        for name in ("start", "finish", "fail", "skip")
    ],
]

urlpatterns = task_routes + router.urls + suspects.urlpatterns
