"""Map pages, beside the dataset pages they belong to."""

from django.urls import path

from civiclab.geo import views

app_name = "geo"
urlpatterns = [
    path("cities/<slug:slug>/data/<slug:dataset_slug>/map/", views.dataset_map, name="map"),
]
