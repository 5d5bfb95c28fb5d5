from django.urls import path

from .views import cab, calendar, requests, schedule, suspects, work

app_name = "changes"

urlpatterns = [
    path("", requests.change_list, name="list"),
    path("new/", requests.change_new, name="new"),
    path("my-work/", work.my_work_page, name="my_work"),
    path("<int:pk>/", requests.detail, name="detail"),
    path("<int:pk>/suspects/", suspects.for_change, name="suspects"),
    path("incidents/<int:pk>/suspects/", suspects.for_incident, name="incident-suspects"),
    path("suspects/<int:pk>/<str:action>/", suspects.decide, name="suspect-decide"),
    path("calendar/", calendar.page, name="calendar"),
    path("calendar/feed/reset/", calendar.feed_reset, name="calendar-feed-reset"),
    path("calendar/<str:token>.ics", calendar.feed, name="calendar-feed"),
    path("<int:pk>/edit/", requests.edit, name="edit"),
    path("<int:pk>/transition/<slug:action>/", requests.transition, name="transition"),
    path("<int:pk>/schedule/", schedule.schedule, name="schedule"),
    path("<int:pk>/tasks/", requests.task_add, name="task_add"),
    path("<int:pk>/tasks/<int:task_pk>/<slug:step>/", requests.task_step, name="task_step"),
    path("cab/", cab.queue, name="cab_queue"),
    path("<int:pk>/vote/", cab.vote, name="vote"),
]
