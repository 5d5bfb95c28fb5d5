from django.urls import path
from rest_framework.routers import SimpleRouter

from alerts.receivers import alertmanager_webhook

from .views import IntegrationViewSet

router = SimpleRouter()
router.register("integrations", IntegrationViewSet, basename="integration")
urlpatterns = [
    # The sender's endpoint: the key in the URL is its credential (no session, no CSRF).
    path("integrations/<str:key>/alertmanager/", alertmanager_webhook, name="alerts-alertmanager"),
    *router.urls,
]
