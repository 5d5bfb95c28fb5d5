from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("", views.integration_list, name="integrations"),
    path("<int:pk>/", views.integration_detail, name="integration"),
    path("incidents/<int:incident_id>/alerts/", views.incident_alerts, name="incident_alerts"),
]
