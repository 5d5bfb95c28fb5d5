from django.urls import path

from .views import requests, work

app_name = "changes"

urlpatterns = [
    path("", requests.change_list, name="list"),
    path("new/", requests.change_new, name="new"),
    path("my-work/", work.my_work_page, name="my_work"),
    path("<int:pk>/", requests.detail, name="detail"),
    path("<int:pk>/edit/", requests.edit, name="edit"),
    path("<int:pk>/transition/<slug:action>/", requests.transition, name="transition"),
    path("<int:pk>/tasks/", requests.task_add, name="task_add"),
    path("<int:pk>/tasks/<int:task_pk>/<slug:step>/", requests.task_step, name="task_step"),
]
