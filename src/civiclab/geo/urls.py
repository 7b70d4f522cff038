"""Map pages, beside the dataset pages they belong to."""

from django.urls import path

from civiclab.geo.views import analysis, layers, maps

app_name = "geo"
urlpatterns = [
    path("cities/<slug:slug>/data/<slug:dataset_slug>/map/", maps.dataset_map, name="map"),
]

urlpatterns += [
    path("cities/<slug:slug>/geo/layers/", layers.city_map_layers, name="layers"),
    path("cities/<slug:slug>/geo/proximity/", analysis.proximity_page, name="proximity"),
    path(
        "cities/<slug:slug>/geo/choropleth/<slug:indicator_slug>/",
        analysis.choropleth,
        name="choropleth",
    ),
]
