from django.urls import path

from .views import requests

app_name = "changes"

urlpatterns = [
    path("<int:pk>/", requests.detail, name="detail"),
]
