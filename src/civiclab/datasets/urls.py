"""The data pages: catalogue, import (upload → check → job), datasets and versions."""

from __future__ import annotations

from django.urls import path

from civiclab.datasets.views import datasets as dataset_views
from civiclab.datasets.views import imports as dataset_import_views
from civiclab.datasets.views import sources as dataset_source_views

app_name = "datasets"
_dataset = "cities/<slug:slug>/data/<slug:dataset_slug>/"

urlpatterns = [
    path("data/", dataset_views.catalogue, name="catalogue"),
    path("data/jobs/<int:job_id>/", dataset_import_views.job_detail, name="job"),
    path("data/jobs/<int:job_id>/status/", dataset_import_views.job_status, name="job_status"),
    path("cities/<slug:slug>/data/", dataset_views.city_catalogue, name="city"),
    # Before the dataset pages: "import" is not a dataset's slug (forms refuse it).
    path("cities/<slug:slug>/data/import/", dataset_import_views.upload, name="import"),
    path(
        "cities/<slug:slug>/data/import/<str:token>/",
        dataset_import_views.check,
        name="import_check",
    ),
    path(_dataset, dataset_views.dataset_detail, name="dataset"),
    path(f"{_dataset}rows/", dataset_views.dataset_rows_partial, name="rows"),
    path(f"{_dataset}edit/", dataset_views.dataset_edit, name="edit"),
    path(f"{_dataset}source/", dataset_source_views.source_page, name="source"),
    path(f"{_dataset}source/refresh/", dataset_source_views.source_refresh, name="source_refresh"),
    path(f"{_dataset}source/remove/", dataset_source_views.source_remove, name="source_remove"),
    path(f"{_dataset}dictionary/", dataset_views.dictionary_edit, name="dictionary_edit"),
    path(f"{_dataset}dictionary.csv", dataset_views.dictionary_download, name="dictionary"),
    path(
        f"{_dataset}versions/<int:number>/make-current/",
        dataset_views.make_current,
        name="make_current",
    ),
    path(
        f"{_dataset}download.<str:fmt>",
        dataset_views.download,
        name="download",
    ),
]
