"""Map pages, beside the dataset pages they belong to."""

from django.urls import path

from civiclab.geo import views, views_analysis

app_name = "geo"
urlpatterns = [
    path("cities/<slug:slug>/data/<slug:dataset_slug>/map/", views.dataset_map, name="map"),
]

urlpatterns += [
    path("cities/<slug:slug>/geo/proximity/", views_analysis.proximity_page, name="proximity"),
    path(
        "cities/<slug:slug>/geo/choropleth/<slug:indicator_slug>/",
        views_analysis.choropleth,
        name="choropleth",
    ),
]
