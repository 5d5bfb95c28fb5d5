from django.urls import path

from .views import requests, suspects

app_name = "changes"

urlpatterns = [
    path("<int:pk>/", requests.detail, name="detail"),
    path("<int:pk>/suspects/", suspects.for_change, name="suspects"),
    path("incidents/<int:pk>/suspects/", suspects.for_incident, name="incident-suspects"),
    path("suspects/<int:pk>/<str:action>/", suspects.decide, name="suspect-decide"),
]
