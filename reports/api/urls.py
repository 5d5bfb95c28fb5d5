from django.urls import path

from .views import SlaMetricsView

urlpatterns = [
    path("sla/", SlaMetricsView.as_view(), name="metrics-sla"),
]
