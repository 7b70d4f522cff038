"""The search results page and the suggestions under the header's box."""

from __future__ import annotations

from django.urls import path

from civiclab.search import views

app_name = "search"

urlpatterns = [
    path("search/", views.results, name="results"),
    path("search/suggestions/", views.suggestions, name="suggestions"),
]
