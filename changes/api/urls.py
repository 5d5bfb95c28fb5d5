from rest_framework.routers import DefaultRouter

from .freeze import FreezeWindowViewSet
from .views import ChangeViewSet

router = DefaultRouter()
router.register("changes", ChangeViewSet, basename="change")
router.register("freeze-windows", FreezeWindowViewSet, basename="freeze-window")

urlpatterns = router.urls
