from rest_framework.routers import DefaultRouter

from . import suspects
from .freeze import FreezeWindowViewSet
from .views import ChangeViewSet

router = DefaultRouter()
router.register("changes", ChangeViewSet, basename="change")
router.register("suspected-causes", suspects.SuspectedCauseViewSet, basename="suspected-cause")
router.register("freeze-windows", FreezeWindowViewSet, basename="freeze-window")

urlpatterns = router.urls + suspects.urlpatterns
