"""The funding pages, in the "funding" namespace (views in ``views/``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from civiclab.funding.views import (
    alerts,
    calendar,
    catalogue,
    imports,
    leveraged,
    opportunities,
    pipeline,
)

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
    path("funding/cities/<slug:slug>/profile/", pipeline.profile, name="profile"),
    path("funding/cities/<slug:slug>/pipeline/", pipeline.pipeline, name="pipeline"),
    path(
        "funding/cities/<slug:slug>/applications/new/",
        pipeline.application_new,
        name="application_new",
    ),
    path(
        "funding/applications/<int:application_id>/",
        pipeline.application_detail,
        name="application",
    ),
    path(
        "funding/applications/<int:application_id>/edit/",
        pipeline.application_edit,
        name="application_edit",
    ),
    path(
        "funding/applications/<int:application_id>/status/",
        pipeline.application_status,
        name="application_status",
    ),
    path(
        "funding/applications/<int:application_id>/checklist/",
        pipeline.application_checklist,
        name="application_checklist",
    ),
    path("funding/cities/<slug:slug>/calendar/", calendar.calendar, name="calendar"),
    path(
        "funding/cities/<slug:slug>/calendar/<str:token>.ics",
        calendar.calendar_feed,
        name="calendar_feed",
    ),
    path(
        "funding/cities/<slug:slug>/teams/<slug:team_slug>/calendar/<str:token>.ics",
        calendar.calendar_feed,
        name="team_calendar_feed",
    ),
    path("funding/network/leveraged/", leveraged.network_leveraged, name="leveraged"),
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
