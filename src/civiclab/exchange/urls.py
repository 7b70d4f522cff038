"""The exchange's pages: each area's views module declares its own urlpatterns."""

from civiclab.exchange.views import (
    cases,
    convenings,
    directory,
    discussions,
    forks,
    library,
    metrics,
    similar,
)

app_name = "exchange"

urlpatterns = [
    *cases.urlpatterns,
    *library.urlpatterns,
    *similar.urlpatterns,
    *forks.urlpatterns,
    *metrics.urlpatterns,
    *discussions.urlpatterns,
    *convenings.urlpatterns,
    *directory.urlpatterns,
]
