"""Indicator pages: list, builder (new, preview), detail, series CSV, edit, delete."""

from __future__ import annotations

from django.urls import path

from civiclab.indicators import views as indicator_views

app_name = "indicators"
_indicator = "cities/<slug:slug>/indicators/<slug:indicator_slug>/"

urlpatterns = [
    path("cities/<slug:slug>/indicators/", indicator_views.indicator_list, name="list"),
    # Before the indicator pages: "new" and "preview" are not slugs people may reach.
    path("cities/<slug:slug>/indicators/new/", indicator_views.indicator_new, name="new"),
    path(
        "cities/<slug:slug>/indicators/new/preview/",
        indicator_views.indicator_preview,
        name="preview",
    ),
    path(_indicator, indicator_views.indicator_detail, name="indicator"),
    path(f"{_indicator}series.csv", indicator_views.series_csv, name="series_csv"),
    path(f"{_indicator}edit/", indicator_views.indicator_edit, name="edit"),
    path(f"{_indicator}delete/", indicator_views.indicator_delete, name="delete"),
]
