from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("sla/", views.sla_dashboard, name="sla"),
    path("sla/export.csv", views.sla_export_csv, name="sla_csv"),
]
