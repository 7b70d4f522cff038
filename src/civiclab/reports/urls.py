"""The reports app's pages: each area's views module declares its own urlpatterns."""

from civiclab.reports.views import capacity, dashboard, keyfacts, nudges, packs, public

app_name = "reports"

urlpatterns = [
    *dashboard.urlpatterns,
    *packs.urlpatterns,
    *nudges.urlpatterns,
    *public.urlpatterns,
    *keyfacts.urlpatterns,
    *capacity.urlpatterns,
]
