from django.urls import path

from . import views

app_name = "incidents"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.incident_new, name="new"),
    path("new/priority/", views.priority_preview, name="priority_preview"),
    path("new/cis/", views.ci_options, name="ci_options"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/transition/<slug:action>/", views.transition, name="transition"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/assign-to-me/", views.assign_to_me, name="assign_to_me"),
    path("<int:pk>/escalate/", views.escalate, name="escalate"),
    path("<int:pk>/comments/", views.comment, name="comment"),
]
