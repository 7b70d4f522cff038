"""Every format imports through the browser's import pages and through the API."""

from __future__ import annotations

from pathlib import Path

import pytest

from civiclab.datasets.models import Dataset
from tests.clients import as_user
from tests.datasets.helpers import REAL, write
from tests.datasets.test_api import BASE, upload
from tests.datasets.test_bad_input import state_plane_layer
from tests.datasets.test_cli_ingest import shapefile_zip, workbook
from tests.datasets.web_helpers import submit_and_follow
from tests.world import World

pytestmark = pytest.mark.django_db

FORMATS = {
    "socrata csv": (lambda t: REAL / "nyc311-2018-socrata-1k/311_Service_Requests.csv", 1000),
    "kansas city csv": (
        lambda t: REAL / "kansascity311-potholes-2020/311_Call_Center_Service_Requests.csv",
        4493,
    ),
    "open311 json": (lambda t: REAL / "open311-georeport-v2/bloomington_in_requests_2012.json", 21),
    "open311 xml": (lambda t: REAL / "open311-georeport-v2/san_francisco_requests_2012.xml", 56),
    "geojson": (lambda t: REAL / "syracuse-downtown-parcels/downtown-syr.geojson", 389),
    "geopackage": (lambda t: state_plane_layer(t, "GPKG", "lots.gpkg"), 2),
    "shapefile zip": (shapefile_zip, 2),
    "xlsx": (workbook, 1),
    "socrata json": (lambda t: write(t / "rows.json", '[{"a": "1"}, {"a": "2"}]'), 2),
}


@pytest.mark.parametrize(("make", "rows"), FORMATS.values(), ids=FORMATS.keys())
def test_through_the_import_pages(world: World, tmp_path: Path, make, rows: int) -> None:
    job, _page = submit_and_follow(as_user(world.user("member")), make(tmp_path), "Sample")
    assert job.state == "done", job.error
    assert Dataset.objects.get(slug="sample").current_version.rows == rows


@pytest.mark.parametrize(("make", "rows"), FORMATS.values(), ids=FORMATS.keys())
def test_through_the_api(world: World, tmp_path: Path, make, rows: int) -> None:
    response = upload(f"{BASE}/sample/imports", world.user("member"), make(tmp_path))
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["state"] == "done", job["error"]
    assert Dataset.objects.get(slug="sample").current_version.rows == rows
