"""Column names are identifiers, never SQL: a file whose column names hold quotes,
semicolons, backslashes and newlines — and one built to inject a SELECT — goes through every
analysis with its names taken literally (issue 10, item 11)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.test import Client

from civiclab.datasets import services as datasets
from civiclab.datasets.models import Dataset
from civiclab.geo.services import assign_areas_to, attach_boundary, hotspot_report
from civiclab.indicators.services import create_indicator, results
from tests.clients import as_user, body
from tests.datasets.helpers import write
from tests.permission_matrix import api_headers
from tests.world import World

pytestmark = pytest.mark.django_db

QUOTE = 'Owner "nick" name'
SEMICOLON = "kind; DROP TABLE x"
BACKSLASH = "path\\to"
NEWLINE = "two\nlines"
# Pasted into `CAST("{label}" AS VARCHAR) AS l`, this ran version() into every label.
INJECTION = 'Name" AS VARCHAR) || version() || CAST("Name'
HOSTILE = [QUOTE, SEMICOLON, BACKSLASH, NEWLINE]


def points_geojson(path: Path) -> Path:
    features = []
    for i in range(40):
        lon, lat = -88.10 + (i % 8) * 0.0004, 30.69 + (i // 8) * 0.0004
        properties = {QUOTE: f"n{i}", SEMICOLON: "A" if i % 2 else "B", BACKSLASH: i,
                      NEWLINE: f"2024-0{1 + i % 3}-15"}  # fmt: skip
        features.append({"type": "Feature", "properties": properties,
                         "geometry": {"type": "Point", "coordinates": [lon, lat]}})  # fmt: skip
    return write(path, json.dumps({"type": "FeatureCollection", "features": features}))


def areas_geojson(path: Path) -> Path:
    def box(name: str, west: float, east: float) -> dict[str, Any]:
        ring = [[west, 30.68], [east, 30.68], [east, 30.70], [west, 30.70], [west, 30.68]]
        properties = {INJECTION: name, QUOTE: name.upper(), "Name": "x"}
        return {"type": "Feature", "properties": properties,
                "geometry": {"type": "Polygon", "coordinates": [ring]}}  # fmt: skip

    features = [box("West", -88.11, -88.099), box("East", -88.099, -88.09)]
    return write(path, json.dumps({"type": "FeatureCollection", "features": features}))


@pytest.fixture
def hostile(world: World, tmp_path: Path) -> dict[str, Dataset]:
    found = {}
    for name, path in (("Points", points_geojson(tmp_path / "points.geojson")),
                       ("Areas", areas_geojson(tmp_path / "areas.geojson"))):  # fmt: skip
        found[name] = datasets.import_file(
            None, world.city, name, path, path.name, datasets.ImportOptions()
        ).dataset
    names = [c["name"] for c in found["Points"].current_version.columns]
    assert set(HOSTILE) <= set(names), names
    assert INJECTION in [c["name"] for c in found["Areas"].current_version.columns]
    return found


def test_assign_takes_the_label_column_literally(world: World, hostile: dict[str, Dataset]) -> None:
    """GIVEN areas whose label column's name is built to inject a SELECT WHEN rows are
    assigned to them by that column THEN the labels are the areas' names, nothing else ran."""
    answer = assign_areas_to(None, hostile["Points"], hostile["Areas"], "Area", INJECTION)
    assert answer.assignment.inside == 40
    assert set(answer.assignment.labels) == {"West", "East"}
    # A legitimate name with a quote works too (it was a 500).
    again = assign_areas_to(None, hostile["Points"], hostile["Areas"], 'Area "2"', QUOTE)
    assert set(again.assignment.labels) == {"WEST", "EAST"}
    call_command("geo", "assign", "--city", "city-a", "--points", "points", "--areas", "areas",
                 "--column", "Area; 3", "--label", INJECTION)  # fmt: skip


def test_every_analysis_reads_hostile_names(world: World, hostile: dict[str, Dataset]) -> None:
    """GIVEN a dataset whose column names hold quotes, semicolons, backslashes and newlines
    WHEN proximity, hotspots, map layers, an indicator, the profile and the rows API read it
    THEN each answers with the right numbers and no server error."""
    member = world.user("member")
    headers = api_headers(member)
    points, areas = hostile["Points"], hostile["Areas"]
    attach_boundary(None, areas, INJECTION)
    # Proximity, saved with every column (names and all).
    proximity = Client().post(
        "/api/v1/cities/city-a/geo/proximity",
        json.dumps({"from": "points", "near": "points", "distance": "10m", "save": "Near"}),
        content_type="application/json", **headers,
    )  # fmt: skip
    assert proximity.status_code == 200, proximity.content
    assert proximity.json()["count"] == 40
    saved = Dataset.objects.get(slug="near")
    assert set(HOSTILE) <= {c["name"] for c in saved.current_version.columns}
    # Hotspots and the map's layers.
    assert hotspot_report(points, 9, 0.05)["dataset"] == "points"
    client = as_user(member)
    assert client.get("/cities/city-a/data/points/map/?hotspots=on&hexagons=on").status_code == 200
    for url in ("/api/v1/cities/city-a/datasets/points/geojson",
                "/api/v1/cities/city-a/datasets/areas/geojson",
                "/api/v1/cities/city-a/datasets/points/hexagons"):  # fmt: skip
        assert Client().get(url, **headers).status_code == 200, url
    filtered = Client().get(
        "/api/v1/cities/city-a/datasets/points/geojson?filter=" + quote(f"{SEMICOLON}|=|A"),
        **headers,
    )  # fmt: skip
    assert filtered.status_code == 200, filtered.content
    # An indicator broken down and filtered by hostile columns.
    spec = {"dataset": "points", "measure": {"type": "count"},
            "breakdown": SEMICOLON,
            "filters": [{"column": QUOTE, "op": "!=", "value": "n0"}]}  # fmt: skip
    indicator = create_indicator(None, points, "Hostile", spec)
    by_group = {p["group"]: p["value"] for p in results(indicator)["breakdown"]}
    assert by_group == {"A": 20.0, "B": 19.0}
    assert client.get(f"/cities/city-a/indicators/{indicator.slug}/").status_code == 200
    # The profile (dataset page) and the rows API, sorted and filtered by hostile names.
    page = client.get("/cities/city-a/data/points/")
    assert page.status_code == 200 and "DROP TABLE" in body(page)
    for column in HOSTILE:
        rows = Client().get(
            "/api/v1/cities/city-a/datasets/points/rows?sort=" + quote(column)
            + "&filter=" + quote(f"{column}:1"), **headers,
        )  # fmt: skip
        assert rows.status_code == 200, (column, rows.content)
