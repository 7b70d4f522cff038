"""Locations written as text (Socrata's "(lat, lon)", WKT points, Socrata location objects)
give a map, proximity and hotspots; rows far outside the city (placeholder coordinates) are
counted everywhere and left out of the hotspots' study area unless kept. On the real
Baltimore files: the vacant buildings (only a `Location` text column) and the 311 sample
(885 rows at the placeholder (39.0, -77.0), 50 km from the city)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import numpy as np
import pytest
from django.core.management import call_command
from django.test import Client

from civiclab.datasets import services as datasets
from civiclab.datasets.models import Dataset
from civiclab.geo.services import dataset_locations, hotspot_report, proximity_between
from civiclab.geo.spatial.coordinates import (
    FAR_MIN_M,
    TEXT_FORMATS,
    LocationSource,
    city_extent,
    text_format_of,
)
from tests.clients import as_user, body
from tests.datasets.helpers import REAL, write
from tests.permission_matrix import api_headers
from tests.world import World

pytestmark = pytest.mark.django_db

VACANT = REAL / "baltimore-vacant-buildings-2016/Vacant_Buildings.csv"
REQUESTS = REAL / "baltimore311-2014-2018-sample/311_sample.csv"
PLACEHOLDER = (-77.0, 39.0)  # lon, lat
# Rows of the 311 sample more than 5 × the median distance (4.6 km) from the centre, i.e.
# 23.1 km: 885 at (39.0, -77.0), 7 at (39.0, -76.0), six in the county 23–43 km out.
FAR_311 = 899


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("(39.2904, -76.6122)", "(latitude, longitude)"),
        ("1909 W NORTH AVE\nBaltimore, MD\n(39.2904, -76.6122)", "(latitude, longitude)"),
        ("POINT (-76.6122 39.2904)", "POINT (longitude latitude)"),
        ("point(-76.6122 39.2904)", "POINT (longitude latitude)"),
        ("SRID=4326;POINT Z (-76.6122 39.2904 12)", "POINT (longitude latitude)"),
        ('{"type":"Point","coordinates":[-76.6122,39.2904]}', "GeoJSON point"),
        (
            '{"latitude":"39.2904","longitude":"-76.6122","human_address":"{\\"city\\": \\"B\\"}"}',
            "Socrata location {latitude, longitude}",
        ),
        (
            '["{\\"address\\": \\"1 Main\\"}","39.2904","-76.6122",null,false]',
            "Socrata location [address, latitude, longitude]",
        ),
    ],
)
def test_text_locations_read_alike_in_python_and_in_the_engine(text: str, name: str) -> None:
    """GIVEN a location written as a portal writes it THEN its format is recognised and the
    query engine's SQL reads the same point as Python does."""
    found = text_format_of([text])
    assert found is not None and found.name == name
    assert found.read(text) == (-76.6122, 39.2904)
    lon_sql, lat_sql = LocationSource("text", ("c",), found).lon_lat_sql() or ("", "")
    row = duckdb.connect().execute(f"SELECT {lon_sql}, {lat_sql} FROM (SELECT ? AS c)", [text])
    assert row.fetchone() == (-76.6122, 39.2904)


def test_text_that_is_not_mostly_locations_is_not_a_location_column() -> None:
    assert text_format_of(["hello", "(1, 2) and more", "POINT EMPTY"]) is None
    assert text_format_of(["(39.1, -76.1)"] * 8 + ["n/a"] * 2) is None  # 80 %: not enough
    assert text_format_of(["(39.1, -76.1)"] * 9 + ["n/a"]) is not None
    assert text_format_of(["(391.0, -76.1)"]) is None  # out of range either way
    assert text_format_of(["(151.2, -33.9)"]).name == "(longitude, latitude)"  # type: ignore[union-attr]
    assert TEXT_FORMATS[0].name == "(latitude, longitude)"  # Socrata's order first


def test_the_city_extent_holds_with_a_third_of_the_rows_at_a_placeholder() -> None:
    """GIVEN 700 rows spread over a city 17 km wide and 300 at a placeholder 47 km from its
    centre THEN exactly the 300 are far outside; the city's own rows never are."""
    rng = np.random.default_rng(3)
    lon = np.concatenate([-76.61 + rng.uniform(-0.1, 0.1, 700), np.full(300, PLACEHOLDER[0])])
    lat = np.concatenate([39.29 + rng.uniform(-0.08, 0.08, 700), np.full(300, PLACEHOLDER[1])])
    extent = city_extent(lon, lat)
    assert extent is not None and extent.radius_m >= FAR_MIN_M
    assert extent.far(lon, lat).sum() == 300
    assert not extent.far(lon[:700], lat[:700]).any()
    # Rows packed downtown with a few across the city: the city's edge is not "far".
    packed_lon = np.concatenate([-76.61 + rng.normal(0, 0.005, 900), lon[:100]])
    packed_lat = np.concatenate([39.29 + rng.normal(0, 0.004, 900), lat[:100]])
    packed = city_extent(packed_lon, packed_lat)
    assert packed is not None and not packed.far(packed_lon, packed_lat).any()
    assert city_extent(np.array([np.nan]), np.array([np.nan])) is None


def imported(world: World, name: str, path: Path) -> Dataset:
    return datasets.import_file(
        None, world.city, name, path, path.name, datasets.ImportOptions()
    ).dataset


def test_baltimore_vacant_buildings_located_by_their_location_text(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN the Baltimore vacant buildings, located only by `Location` "(lat, lon)" text WHEN
    they are mapped, measured and searched for hotspots THEN every row is located where the
    text says (read independently here), the map, proximity and hotspots all work."""
    vacant = imported(world, "Vacant buildings", VACANT)
    kinds = {c["name"]: c["type"] for c in vacant.current_version.columns}
    assert kinds["Location"] in ("text", "category")
    assert "latitude" not in kinds.values() and "geometry" not in kinds.values()
    with VACANT.open(newline="") as f:
        pairs = [row["Location"].strip("()").split(",") for row in csv.DictReader(f)]
    expected_lat = np.array([float(p[0]) for p in pairs])
    expected_lon = np.array([float(p[1]) for p in pairs])
    located = dataset_locations(vacant)
    assert located.source == "text column 'Location' written as (latitude, longitude)"
    assert np.array_equal(located.lon, expected_lon) and np.array_equal(located.lat, expected_lat)
    assert (located.missing, located.far_outside) == (0, 0)
    # The map: a Map link on the dataset's page, and the layer with every row.
    member = as_user(world.user("member"))
    page_url = f"/cities/city-a/data/{vacant.slug}/"
    assert f"{page_url}map/" in body(member.get(page_url))
    assert member.get(f"{page_url}map/").status_code == 200
    api = f"/api/v1/cities/city-a/datasets/{vacant.slug}/geojson"
    layer = Client().get(api, **api_headers(world.user("member"))).json()
    assert layer["summary"]["matched"] == 16_721 and layer["summary"]["without_location"] == 0
    assert layer["summary"]["far_outside"] == 0
    west, south, east, north = layer["summary"]["bounds"]
    assert (west, south, east, north) == (
        expected_lon.min(),
        expected_lat.min(),
        expected_lon.max(),
        expected_lat.max(),
    )
    one = (
        Client()
        .get(
            f"{api}?bbox=-76.6486,39.3095,-76.6484,39.3096&zoom=19",
            **api_headers(world.user("member")),
        )
        .json()
    )
    assert one["features"][0]["geometry"]["coordinates"] == [-76.648489, 39.309526]
    assert "__civiclab_lon" not in one["features"][0]["properties"]
    # Proximity: each building is within 1 m of itself.
    answer = proximity_between(vacant, vacant, 1.0).as_dict()
    assert answer["count"] == answer["total"] == 16_721
    # Hotspots: Broadway East (1,215 notices) is hot.
    capsys.readouterr()
    call_command("geo", "hotspots", "--city", "city-a", "--dataset", vacant.slug, "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["without_location"] == 0 and report["rows"] == 16_721
    assert any(s["kind"] == "hot" for s in report["hotspots"])


def test_placeholder_points_far_outside_baltimore_are_counted_and_left_out(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN the Baltimore 311 sample, 885 of whose rows sit at the placeholder (39.0, -77.0)
    50 km from the city WHEN it is mapped, measured and searched for hotspots THEN the rows far
    outside are counted on the map and in every analysis, the map fits the city, and the
    hotspots leave them out of the study area unless asked to keep them."""
    requests = imported(world, "311", REQUESTS)
    headers = api_headers(world.user("member"))
    api = f"/api/v1/cities/city-a/datasets/{requests.slug}/geojson"
    summary = Client().get(api, **headers).json()["summary"]
    assert (summary["matched"], summary["without_location"]) == (10_000, 590)
    assert summary["far_outside"] == FAR_311
    assert 20_000 < summary["far_radius_m"] < 30_000
    west, south, _east, _north = summary["bounds"]
    assert west > -76.9 and south > 39.1  # the first view is the city, not the placeholder
    placeholder = (
        Client().get(f"{api}?filter=GeoLocation|=|(39.0, -77.0)", **headers).json()["summary"]
    )
    assert (placeholder["matched"], placeholder["far_outside"]) == (885, 885)
    page = body(as_user(world.user("member")).get(f"/cities/city-a/data/{requests.slug}/map/"))
    assert 'id="far-outside"' in page and "899 rows lie far outside the city" in page
    # Proximity counts them too.
    sites = imported(world, "Sites", write(tmp_path / "sites.csv", "s,lat,lon\nA,39.29,-76.61\n"))
    answer = proximity_between(requests, sites, 500.0).as_dict()
    assert answer["from_far_outside"] == FAR_311 and answer["near_far_outside"] == 0
    # Hotspots: left out by default — no hot cell at the placeholder — kept on request.
    left_out = hotspot_report(requests, 9, 0.05)
    assert (left_out["far_outside"], left_out["far_outside_kept"]) == (FAR_311, False)
    assert left_out["rows"] == 10_000 - 590 - FAR_311
    assert not [s for s in left_out["hotspots"] if s["centre"][0] < 39.1]
    kept = (
        Client()
        .get(
            f"/api/v1/cities/city-a/geo/hotspots?dataset={requests.slug}&keep_far_outside=true",
            **headers,
        )
        .json()
    )
    assert kept["far_outside_kept"] and kept["rows"] == 10_000 - 590
    assert [s for s in kept["hotspots"] if s["kind"] == "hot" and s["centre"][0] < 39.1]
    capsys.readouterr()
    call_command("geo", "hotspots", "--city", "city-a", "--dataset", requests.slug)
    assert "899 rows lie far outside the city" in capsys.readouterr().out
    page = body(
        as_user(world.user("member")).get(
            f"/cities/city-a/data/{requests.slug}/map/?hotspots=on&keep_far_outside=on"
        )
    )
    assert 'id="hotspots-far-outside"' in page and "kept in the study area" in page
