"""The root URLconf: the site's own pages, then every app's ``urls.py`` and the API."""

from __future__ import annotations

from django.urls import include, path
from django.views.i18n import set_language

from civiclab.site import metrics, views
from civiclab.site.api import api

site_patterns = (
    [
        path("", views.home, name="home"),
        path("sections/<slug:name>/", views.section, name="section"),
        path("healthz", views.health, name="health"),
        path("favicon.ico", views.favicon, name="favicon"),
        # Prometheus's text format, not JSON: beside /healthz, not under /api/v1/.
        path("metrics", metrics.metrics, name="metrics"),
    ],
    "site",
)

# The database unreachable is a 503 saying so, rather than the 500 page (see the view).
handler500 = "civiclab.site.views.server_error"

urlpatterns = [
    path("", include(site_patterns)),
    path("", include("civiclab.network.urls")),
    path("", include("civiclab.datasets.urls")),
    path("", include("civiclab.indicators.urls")),
    path("", include("civiclab.portfolio.urls")),
    path("", include("civiclab.geo.urls")),
    path("", include("civiclab.evaluation.urls")),
    path("", include("civiclab.funding.urls")),
    path("", include("civiclab.exchange.urls")),
    path("", include("civiclab.reports.urls")),
    path("", include("civiclab.notifications.urls")),
    path("", include("civiclab.search.urls")),
    path("accounts/", include("civiclab.accounts.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api.urls),
]
