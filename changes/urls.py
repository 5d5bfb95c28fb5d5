from django.urls import path

from .views import calendar, requests, suspects

app_name = "changes"

urlpatterns = [
    path("<int:pk>/", requests.detail, name="detail"),
    path("<int:pk>/suspects/", suspects.for_change, name="suspects"),
    path("incidents/<int:pk>/suspects/", suspects.for_incident, name="incident-suspects"),
    path("suspects/<int:pk>/<str:action>/", suspects.decide, name="suspect-decide"),
    path("calendar/", calendar.page, name="calendar"),
    path("calendar/feed/reset/", calendar.feed_reset, name="calendar-feed-reset"),
    path("calendar/<str:token>.ics", calendar.feed, name="calendar-feed"),
]
