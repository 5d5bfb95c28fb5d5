from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from audit.api.views import AuditRecordViewSet
from catalog.api.views import ConfigurationItemViewSet, ServiceViewSet
from core.api.auth import ObtainTokenView
from core.events.api import EventTypeListView
from sla.api.views import EscalationPolicyViewSet, SlaPolicyViewSet

router = DefaultRouter()
router.register("services", ServiceViewSet, basename="service")
router.register("cis", ConfigurationItemViewSet, basename="ci")
router.register("sla-policies", SlaPolicyViewSet, basename="sla-policy")
router.register("escalation-policies", EscalationPolicyViewSet, basename="escalation-policy")
router.register("audit", AuditRecordViewSet, basename="audit")

urlpatterns = [
    path("v1/auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("v1/event-types/", EventTypeListView.as_view(), name="api-event-types"),
    path("v1/", include("incidents.api.urls")),
    path("v1/", include("changes.api.urls")),
    path("v1/", include("notifications.api.urls")),
    path("v1/", include("alerts.api.urls")),
    path("v1/metrics/", include("reports.api.urls")),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its settings as a script of its own: no inline script (Content-Security-Policy).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
