from django.urls import path

from .views import calendar, requests

app_name = "changes"

urlpatterns = [
    path("<int:pk>/", requests.detail, name="detail"),
    path("calendar/", calendar.page, name="calendar"),
    path("calendar/feed/reset/", calendar.feed_reset, name="calendar-feed-reset"),
    path("calendar/<str:token>.ics", calendar.feed, name="calendar-feed"),
]
