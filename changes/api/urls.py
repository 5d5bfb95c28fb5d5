from rest_framework.routers import DefaultRouter

from .views import ChangeViewSet

router = DefaultRouter()
router.register("changes", ChangeViewSet, basename="change")

urlpatterns = router.urls
