"""Proximity between shapes: parcels are near blight when their edges come within the
distance, measured exactly on the ellipsoid, as the real Syracuse parcels show (issue 10,
item 6). The point method stays available and every answer says which was used."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from django.core.management import call_command
from django.test import Client
from pyproj import Geod, Transformer

from civiclab.datasets import services as datasets
from civiclab.datasets.models import Dataset
from civiclab.geo.services import proximity_between, save_matches
from civiclab.geo.spatial.proximity_shapes import shape_proximity
from tests.clients import as_user, body
from tests.datasets.helpers import REAL, write
from tests.permission_matrix import api_headers
from tests.world import World

SYRACUSE = REAL / "syracuse-downtown-parcels" / "downtown-syr.geojson"
GEOD = Geod(ellps="WGS84")


@pytest.fixture
def syracuse(world: World, tmp_path: Path) -> dict[str, Dataset]:
    """City A with Syracuse's 389 downtown parcels and, as a second dataset, the 15 of them
    with a vacant building (vacantbuild = Y), as the file has them."""
    collection = json.loads(SYRACUSE.read_text())
    vacant = dict(collection, features=[f for f in collection["features"]
                                        if f["properties"]["vacantbuild"] == "Y"])  # fmt: skip
    vacant_file = write(tmp_path / "vacant.geojson", json.dumps(vacant))
    found = {}
    for name, path in (("Parcels", SYRACUSE), ("Vacant parcels", vacant_file)):
        found[name] = datasets.import_file(
            None, world.city, name, path, path.name, datasets.ImportOptions()
        ).dataset
    return found


@pytest.mark.django_db
def test_syracuse_parcels_within_150_ft_of_a_vacant_parcel(
    world: World, syracuse: dict[str, Dataset], capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN Syracuse's 389 downtown parcels and the 15 with a vacant building WHEN we ask
    which parcels lie within 150 ft of a vacant one THEN, edge to edge, 155 do (the 15
    themselves included); one point inside each parcel finds only 53. Page, API, CLI and the
    saved dataset's description say which was measured."""
    parcels, vacant = syracuse["Parcels"], syracuse["Vacant parcels"]
    shapes = proximity_between(parcels, vacant, 45.72)
    points = proximity_between(parcels, vacant, 45.72, method="points")
    assert (shapes.method, shapes.result.count, shapes.result.total) == ("shapes", 155, 389)
    assert (points.method, points.result.count) == ("points", 53)
    assert shapes.as_dict()["method"] == "shapes"
    saved = save_matches(None, shapes, "Near vacant parcels")
    assert saved.rows == 155 and "between the shapes, edge to edge" in saved.dataset.description
    member = world.user("member")
    api = Client().post(
        "/api/v1/cities/city-a/geo/proximity",
        json.dumps({"from": "parcels", "near": "vacant-parcels", "distance": "150ft",
                    "method": "points"}),
        content_type="application/json", **api_headers(member),
    ).json()  # fmt: skip
    assert (api["method"], api["count"]) == ("points", 53)
    page = as_user(member).post("/cities/city-a/geo/proximity/", {
        "origin": "parcels", "near": "vacant-parcels", "distance": "150", "unit": "ft",
        "method": "shapes", "save_as": ""})  # fmt: skip
    assert page.context["result"]["count"] == 155
    assert 'data-field="method">Between the shapes, edge to edge<' in body(page)
    capsys.readouterr()
    call_command("geo", "proximity", "--city", "city-a", "--from", "parcels",
                 "--near", "vacant-parcels", "--distance", "150ft")  # fmt: skip
    assert "155 of 389 rows" in capsys.readouterr().out
    capsys.readouterr()
    call_command("geo", "proximity", "--city", "city-a", "--from", "parcels", "--near",
                 "vacant-parcels", "--distance", "150ft", "--method", "points")  # fmt: skip
    out = capsys.readouterr().out
    assert "53 of 389 rows" in out and "one point per row" in out


def test_shape_distances_are_exact_at_the_boundary() -> None:
    """GIVEN small squares placed so their edges are a few millimetres either side of 150 ft
    from a square, on the ellipsoid WHEN measured between the shapes THEN exactly those
    within count, and the distances are the ellipsoidal ones (to the micrometre); touching
    shapes are 0 m apart; missing shapes are counted, not measured."""
    rng = np.random.default_rng(6)
    lon0, lat0 = -88.10, 30.69
    distance = 45.72
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32616", always_xy=True)
    back = Transformer.from_crs("EPSG:32616", "EPSG:4326", always_xy=True)

    def in_degrees(shape: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(
            shape, lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1]))
        )

    def geodesic(xa: float, xb: float, y: float) -> float:
        (lon_a, lon_b), (lat_a, lat_b) = back.transform([xa, xb], [y, y])
        return float(GEOD.inv(lon_a, lat_a, lon_b, lat_b)[2])

    x0, y0 = to_utm.transform(lon0, lat0)
    blight = in_degrees(shapely.box(x0 - 10, y0 - 10, x0 + 10, y0 + 10))
    # Homes due east, their west edge parallel to the blight's east edge, at a gap whose
    # exact ellipsoidal length is a few millimetres either side of 150 ft.
    gaps = distance * (1 + rng.uniform(-4e-4, 4e-4, 60))
    homes = []
    for gap in gaps:
        x = x0 + 10 + gap
        for _ in range(3):  # Newton steps: the projection's scale is all but constant here
            x += (gap - geodesic(x0 + 10, x, y0)) * (x - x0 - 10) / geodesic(x0 + 10, x, y0)
        homes.append(in_degrees(shapely.box(x, y0 - 5, x + 10, y0 + 5)))
    homes += [blight, None]
    result = shape_proximity(np.array(homes, dtype=object), np.array([blight]), distance)
    expected = [i for i, gap in enumerate(gaps) if gap <= distance] + [60]
    assert result.matches.tolist() == expected
    assert (result.total, result.a_without_coordinates) == (61, 1)
    assert np.allclose(result.matches_m[:-1], gaps[gaps <= distance], rtol=0, atol=1e-5)
    assert result.matches_m[-1] == 0.0
    nearest, index = result.nearest()
    assert np.allclose(nearest[:60], gaps, rtol=0, atol=1e-5) and index[61] == -1
