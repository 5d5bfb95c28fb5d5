from django.urls import path

from .views import bulk, detail, export, filing, queue, saved_views

app_name = "incidents"

urlpatterns = [
    path("", queue.queue, name="queue"),
    path("bulk/", bulk.bulk, name="bulk"),
    path("export.csv", export.queue_csv, name="export_csv"),
    path("views/", saved_views.save_view, name="save_view"),
    path("views/<int:pk>/delete/", saved_views.delete_view, name="delete_view"),
    path("new/", filing.incident_new, name="new"),
    path("new/priority/", filing.priority_preview, name="priority_preview"),
    path("new/cis/", filing.ci_options, name="ci_options"),
    path("<int:pk>/", detail.detail, name="detail"),
    path("<int:pk>/transition/<slug:action>/", detail.transition, name="transition"),
    path("<int:pk>/edit/", detail.edit, name="edit"),
    path("<int:pk>/assign-to-me/", detail.assign_to_me, name="assign_to_me"),
    path("<int:pk>/escalate/", detail.escalate, name="escalate"),
    path("<int:pk>/comments/", detail.comment, name="comment"),
    path("<int:pk>/watchers/", detail.watch, name="watch"),
    path("<int:pk>/timeline/", detail.timeline, name="timeline"),
]
