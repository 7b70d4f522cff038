"""The funding pages, in the "funding" namespace (views in ``views/``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from civiclab.funding.views import catalogue, imports, opportunities

app_name = "funding"

urlpatterns: list[URLPattern | URLResolver] = [
    # The catalogue (search)
    path("funding/", catalogue.catalogue, name="catalogue"),
    # One opportunity
    path("funding/opportunities/<int:pk>/", opportunities.opportunity_detail, name="opportunity"),
    # Imports and funds entered by hand
    path("funding/imports/", imports.imports, name="imports"),
    path("funding/imports/<int:pk>/", imports.import_detail, name="import"),
    path("funding/funds/new/", imports.fund_new, name="fund_new"),
    path("funding/funds/<int:pk>/edit/", imports.fund_edit, name="fund_edit"),
    # Matches and dismissals
    # The pipeline, calendar, feeds, funding leveraged
    # Saved searches and digests
]
