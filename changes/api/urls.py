from rest_framework.routers import DefaultRouter

from .approval_policies import ApprovalPolicyViewSet
from .views import ChangeViewSet

router = DefaultRouter()
router.register("changes", ChangeViewSet, basename="change")
router.register("approval-policies", ApprovalPolicyViewSet, basename="approval-policy")

urlpatterns = router.urls
