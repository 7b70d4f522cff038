"""The funding pages, in the "funding" namespace (views in ``views/``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from civiclab.funding.views import alerts, catalogue, opportunities

app_name = "funding"

urlpatterns: list[URLPattern | URLResolver] = [
    # The catalogue (search)
    path("funding/", catalogue.catalogue, name="catalogue"),
    # One opportunity
    path("funding/opportunities/<int:pk>/", opportunities.opportunity_detail, name="opportunity"),
    # Imports and funds entered by hand
    # Matches and dismissals
    # The pipeline, calendar, feeds, funding leveraged
    # Saved searches and digests
    path("funding/searches/", alerts.searches, name="searches"),
    path("funding/searches/new/", alerts.search_new, name="search_new"),
    path("funding/searches/<int:search_id>/", alerts.search_settings, name="search_settings"),
    path("funding/searches/<int:search_id>/delete/", alerts.search_delete, name="search_delete"),
    path(
        "funding/challenges/<int:challenge_id>/follow/",
        alerts.follow_challenge,
        name="follow_challenge",
    ),
    path("funding/digest/", alerts.digest, name="digest"),
    path("funding/digest/<int:item_id>/dismiss/", alerts.dismiss, name="digest_dismiss"),
    path("funding/unsubscribe/<str:token>/", alerts.unsubscribe, name="unsubscribe"),
]
