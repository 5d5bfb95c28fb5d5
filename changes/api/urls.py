from rest_framework.routers import DefaultRouter

from . import suspects
from .views import ChangeViewSet

router = DefaultRouter()
router.register("changes", ChangeViewSet, basename="change")
router.register("suspected-causes", suspects.SuspectedCauseViewSet, basename="suspected-cause")

urlpatterns = router.urls + suspects.urlpatterns
