"""The project's URLs plus this app's, until the lead wires them into opsdesk/urls.py and api_urls.py.

Use with @pytest.mark.urls("notifications.tests.urls_for_tests")."""

from django.urls import include, path

from opsdesk.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("notifications/", include("notifications.urls")),
    path("api/v1/", include("notifications.api.urls")),
    *project_urlpatterns,
]
