"""The map page and the GeoJSON API: counts of rows without a location, filters from the form
and the query string, the Map link, tiles from the settings, and who may see them."""

from __future__ import annotations

import json
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from civiclab.core.permissions import Visibility
from civiclab.datasets.models import Dataset
from civiclab.datasets.queries import visible_datasets
from tests.clients import as_user, body
from tests.datasets.helpers import REAL
from tests.datasets.web_helpers import make_dataset, page_of
from tests.permission_matrix import api_headers, check_permission_matrix
from tests.world import World

pytestmark = pytest.mark.django_db

PARCELS = REAL / "syracuse-downtown-parcels/downtown-syr.geojson"
SIGHTINGS = (
    "id,kind,Latitude,Longitude\n"
    "1,pothole,30.69,-88.10\n"
    "2,pothole,30.70,-88.11\n"
    "3,graffiti,30.68,-88.09\n"
    "4,graffiti,,\n"
    "5,pothole,,\n"
)


def sightings(world: World, tmp_path: Path, **options: Any) -> Dataset:
    return make_dataset(world, tmp_path, "Sightings", SIGHTINGS, **options)


def geojson(dataset: Dataset, user: Any = None, query: str = "") -> Any:
    url = f"/api/v1/cities/{dataset.city.slug}/datasets/{dataset.slug}/geojson{query}"
    return Client().get(url, **api_headers(user))


def test_points_come_with_their_columns_and_missing_rows_are_counted(
    world: World, tmp_path: Path
) -> None:
    """GIVEN five rows, two without coordinates WHEN the API is asked for the layer THEN three
    point features carry their columns and the summary counts the two without a location."""
    dataset = sightings(world, tmp_path)
    response = geojson(dataset, world.user("viewer"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 3
    assert data["summary"]["matched"] == 5
    assert data["summary"]["without_location"] == 2
    first = data["features"][0]
    assert first["geometry"] == {"type": "Point", "coordinates": [-88.1, 30.69]}
    assert first["properties"]["kind"] == "pothole"


def test_filters_bbox_and_clusters_through_the_api(world: World, tmp_path: Path) -> None:
    dataset = sightings(world, tmp_path)
    viewer = world.user("viewer")
    kept = geojson(dataset, viewer, "?filter=kind|=|graffiti").json()["summary"]
    assert (kept["matched"], kept["without_location"]) == (2, 1)
    listed = geojson(dataset, viewer, "?filter=id|in|1,3&filter=kind|contains|POT").json()
    # An identifier column stays text, kept as written (issue 10.1).
    assert [f["properties"]["id"] for f in listed["features"]] == ["1"]
    boxed = geojson(dataset, viewer, "?bbox=-88.105,30.685,-88.095,30.695").json()
    assert [f["properties"]["id"] for f in boxed["features"]] == ["1"]
    clustered = geojson(dataset, viewer, "?limit=1&zoom=3").json()
    assert clustered["summary"]["clustered"]
    assert sum(f["properties"]["count"] for f in clustered["features"]) == 3


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("?filter=nope|=|1", "validation_error"),
        ("?filter=kind|like|x", "validation_error"),
        ("?filter=id|between|1", "validation_error"),
        ("?bbox=1,2,3", "validation_error"),
        ("?bbox=3,3,1,1", "validation_error"),
    ],
)
def test_bad_requests_are_422(world: World, tmp_path: Path, query: str, code: str) -> None:
    response = geojson(sightings(world, tmp_path), world.user("viewer"), query)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code


def test_a_dataset_without_locations_has_no_map(world: World, tmp_path: Path) -> None:
    dataset = make_dataset(world, tmp_path)  # potholes by street, no coordinates
    member = as_user(world.user("member"))
    assert "/map/" not in body(member.get(page_of(dataset)))
    assert member.get(f"{page_of(dataset)}map/").status_code == 404
    assert geojson(dataset, world.user("member")).json()["error"]["code"] == "no_location"


def test_map_page_counts_and_filters_without_javascript(world: World, tmp_path: Path) -> None:
    """GIVEN the sightings WHEN the map page opens, then with the form's filter THEN it says
    how many rows have no location, and the layer URL carries the filter."""
    dataset = sightings(world, tmp_path)
    member = as_user(world.user("member"))
    assert f"{page_of(dataset)}map/" in body(member.get(page_of(dataset)))
    page = body(member.get(f"{page_of(dataset)}map/"))
    assert "5 rows match." in page
    assert "2 rows have no location and are not on the map." in page
    assert 'data-geojson="/api/v1/cities/city-a/datasets/sightings/geojson"' in page
    assert 'data-tiles=""' in page
    assert "vendor/leaflet/leaflet.js" in page and "geo/map.js" in page
    page = body(member.get(f"{page_of(dataset)}map/?column1=kind&op1=%3D&value1=graffiti"))
    assert "2 rows match." in page
    assert "1 row has no location and is not on the map." in page
    assert "geojson?filter=kind%7C%3D%7Cgraffiti" in page
    page = body(member.get(f"{page_of(dataset)}map/?column1=nope&op1=%3D&value1=x"))
    assert "no column" in page and 'id="map"' not in page


def test_polygons_and_a_boundary_base(world: World, tmp_path: Path) -> None:
    """GIVEN parcels (polygons) and sightings WHEN the sightings' map offers a base THEN the
    parcels are a choice, and the parcels' own layer has polygon features."""
    from civiclab.datasets import services

    sightings(world, tmp_path)
    services.import_file(
        None, world.city, "Parcels", PARCELS, PARCELS.name, services.ImportOptions()
    )
    member = as_user(world.user("member"))
    page = body(member.get("/cities/city-a/data/sightings/map/?base=parcels"))
    assert 'data-base="/api/v1/cities/city-a/datasets/parcels/geojson"' in page
    parcels = Dataset.objects.get(slug="parcels")
    data = geojson(parcels, world.user("member"), "?zoom=18").json()
    assert data["summary"]["kinds"] == ["polygon"]
    assert data["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert all("geometry" not in f["properties"] for f in data["features"])


@override_settings(MAP_TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png",
                   MAP_TILE_ATTRIBUTION="© Example")  # fmt: skip
def test_tile_settings_reach_the_page(world: World, tmp_path: Path) -> None:
    dataset = sightings(world, tmp_path)
    page = body(as_user(world.user("member")).get(f"{page_of(dataset)}map/"))
    assert 'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in page
    assert 'data-attribution="© Example"' in page


def test_map_page_in_french(world: World, tmp_path: Path) -> None:
    dataset = sightings(world, tmp_path)
    client = as_user(world.user("member"))
    client.cookies["django_language"] = "fr"
    page = body(client.get(f"{page_of(dataset)}map/"))
    assert "Carte de Sightings" in page
    texts = json.loads(page.split('id="map-text" type="application/json">')[1].split("</")[0])
    assert texts["no_location"] == "%(count)s lignes n’ont pas de localisation"


def test_map_matrix(world: World, tmp_path: Path) -> None:
    """GIVEN a located dataset of city A at each visibility WHEN each kind of person opens its
    map page and its GeoJSON THEN only the people the rules name see them."""
    numbers = count()

    def make(w: World, vis: Visibility) -> Dataset:
        return make_dataset(w, tmp_path, f"map {next(numbers)}", SIGHTINGS, visibility=vis)

    check_permission_matrix(
        world,
        make,
        queryset=visible_datasets,
        ui_url=lambda d: f"/cities/{d.city.slug}/data/{d.slug}/map/",
        api_url=lambda d: f"/api/v1/cities/{d.city.slug}/datasets/{d.slug}/geojson",
    )
