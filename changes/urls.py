from django.urls import path

from .views import cab, requests

app_name = "changes"

urlpatterns = [
    path("<int:pk>/", requests.detail, name="detail"),
    path("cab/", cab.queue, name="cab_queue"),
    path("<int:pk>/vote/", cab.vote, name="vote"),
]
