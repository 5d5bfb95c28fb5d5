"""The project's URLs plus this app's, under the prefixes the lead wires in opsdesk/urls.py and
opsdesk/api_urls.py (`dashboards/`, `api/v1/metrics/`). Once they are wired, nothing is added twice."""

from django.urls import Resolver404, include, path, resolve

from opsdesk import urls as project_urls


def _routed(url: str) -> bool:
    try:
        resolve(url, urlconf=project_urls)
    except Resolver404:
        return False
    return True


urlpatterns = list(project_urls.urlpatterns)
if not _routed("/dashboards/sla/"):
    urlpatterns.append(path("dashboards/", include("reports.urls")))
if not _routed("/api/v1/metrics/sla/"):
    urlpatterns.append(path("api/v1/metrics/", include("reports.api.urls")))
