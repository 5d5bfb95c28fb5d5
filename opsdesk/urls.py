import os

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from core.profile_views import profile
from core.user_picker import user_options
from core.views import LoginView, healthz
from incidents.views.search import search_page

# Under /api/ every error is the API's JSON shape (core/api/exceptions.py); elsewhere the HTML pages.
handler400 = "core.api.exceptions.handler400"
handler403 = "core.api.exceptions.handler403"
handler404 = "core.api.exceptions.handler404"
handler500 = "core.api.exceptions.handler500"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="incidents:queue", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("people/options/", user_options, name="user_options"),  # a person picker's datalist
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", profile, name="profile"),
    path("admin/", admin.site.urls),
    path("api/", include("opsdesk.api_urls")),
    path("incidents/", include("incidents.urls")),
    path("search/", search_page, name="search"),  # the header's search box (incidents and changes)
    path("changes/", include("changes.urls")),
    path("cis/", include("catalog.urls")),
    path("notifications/", include("notifications.urls")),
    path("dashboards/", include("reports.urls")),
    path("integrations/", include("alerts.urls")),
    path("events/", include("alerts.urls_events")),  # Events API v2 clients: base URL <opsdesk>/events
]

if os.environ.get("OPSDESK_BENCH_URLS") == "1":  # `python -m bench http` only: bare reference endpoints
    urlpatterns.append(path("bench-ref/", include("bench.reference")))
