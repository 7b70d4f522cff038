"""The funding pages, in the "funding" namespace (views in ``views/``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from civiclab.funding.views import catalogue, opportunities

app_name = "funding"

urlpatterns: list[URLPattern | URLResolver] = [
    # The catalogue (search)
    path("funding/", catalogue.catalogue, name="catalogue"),
    # One opportunity
    path("funding/opportunities/<int:pk>/", opportunities.opportunity_detail, name="opportunity"),
    # Imports and funds entered by hand
    # Matches and dismissals
    path(
        "funding/challenges/<int:pk>/matches/",
        catalogue.challenge_matches,
        name="challenge_matches",
    ),
    path(
        "funding/solutions/<int:pk>/matches/", catalogue.solution_matches, name="solution_matches"
    ),
    path("funding/challenges/<int:pk>/dismissals/", catalogue.dismiss, name="dismiss"),
    # The pipeline, calendar, feeds, funding leveraged
    # Saved searches and digests
]
