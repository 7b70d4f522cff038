"""convenings pages and feeds (``pages``, ``feeds``)."""

from django.urls import URLPattern, path

from civiclab.exchange.views.convenings import feeds, pages

urlpatterns: list[URLPattern] = [
    path("exchange/convenings/", pages.convening_list, name="convenings"),
    path("exchange/convenings/new/", pages.convening_new, name="convening_new"),
    path("exchange/convenings/<int:pk>/", pages.convening_detail, name="convening"),
    path("exchange/convenings/<int:pk>/edit/", pages.convening_edit, name="convening_edit"),
    path("exchange/convenings/<int:pk>/rsvp/", pages.convening_rsvp, name="convening_rsvp"),
    path("exchange/convenings/<int:pk>/cancel/", pages.convening_cancel, name="convening_cancel"),
    path("exchange/convenings/<int:pk>/notes/", pages.convening_notes, name="convening_notes"),
    path("exchange/convenings/<int:pk>.ics", feeds.one_event, name="convening_ics"),
    path("exchange/convenings/feed/<str:token>.ics", feeds.person_feed, name="convenings_feed"),
    path(
        "exchange/networks/<slug:slug>/convenings/<str:token>.ics",
        feeds.network_feed,
        name="convenings_network_feed",
    ),
    path(
        "exchange/networks/<slug:slug>/cohorts/<slug:cohort_slug>/convenings/<str:token>.ics",
        feeds.cohort_feed,
        name="convenings_cohort_feed",
    ),
]
