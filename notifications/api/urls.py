from rest_framework.routers import SimpleRouter

from .views import NotificationViewSet, WebhookSubscriptionViewSet

router = SimpleRouter()
router.register("notifications", NotificationViewSet, basename="notification")
router.register("webhook-subscriptions", WebhookSubscriptionViewSet, basename="webhook-subscription")
urlpatterns = router.urls
