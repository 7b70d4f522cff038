"""Map layers without a database: clusters above the limit, rows with their columns below it,
filters as in indicators, rows without a location counted, polygons simplified by zoom."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely

from civiclab.datasets.engine import CityQuery, TableFile
from civiclab.datasets.ingest.pipeline import REFUSED_COLUMN
from civiclab.geo.spatial.layers import (
    LayerError,
    LayerRequest,
    build_layer,
    filter_condition,
    make_filter,
    zoom_for,
)

POINT_COLUMNS = {"id": "integer", "kind": "category", "lat": "latitude", "lon": "longitude"}
MOBILE = (-88.1, 30.69)
CITY_BOX = (-88.25, 30.55, -87.95, 30.83)


def stored(path: Path, columns: dict[str, Any]) -> Path:
    """A dataset version as imports store it: the columns and the refused-row flag."""
    n = len(next(iter(columns.values())))
    table = pa.table({**columns, REFUSED_COLUMN: pa.array([False] * n)})
    pq.write_table(table, path)
    return path


@pytest.fixture
def points(tmp_path: Path) -> Iterator[CityQuery]:
    rng = np.random.default_rng(7)
    n = 100_000
    lon = MOBILE[0] + rng.uniform(-0.1, 0.1, n)
    lat = MOBILE[1] + rng.uniform(-0.09, 0.09, n)
    lat[:250] = np.nan  # rows without a location
    path = stored(
        tmp_path / "points.parquet",
        {
            "id": pa.array(np.arange(n)),
            "kind": pa.array(np.where(np.arange(n) % 10 == 0, "pothole", "graffiti")),
            "lat": pa.array(lat, mask=np.isnan(lat)),
            "lon": pa.array(lon),
        },
    )
    with CityQuery([TableFile("points", path)], memory_mb=512, timeout_seconds=30) as query:
        yield query


def test_many_points_in_view_become_small_clusters(points: CityQuery) -> None:
    """GIVEN 100,000 points around Mobile, 250 without a latitude WHEN the whole city is asked
    for at a city-wide zoom THEN clusters with counts come back, summing to the located rows,
    the missing rows are counted, the answer is small and fast."""
    request = LayerRequest(bbox=CITY_BOX, zoom=11)
    build_layer("points", POINT_COLUMNS, request, points.execute_arrow)  # warm
    started = time.perf_counter()
    layer = build_layer("points", POINT_COLUMNS, request, points.execute_arrow)
    seconds = time.perf_counter() - started
    body = json.dumps(layer.geojson())
    assert layer.clustered and layer.kinds == ["cluster"]
    assert layer.matched == 100_000 and layer.without_location == 250
    assert sum(f["properties"]["count"] for f in layer.features) == layer.in_view == 99_750
    assert 20 < len(layer.features) < 2_000
    assert len(body) < 200_000
    assert seconds < 1.0
    west, south, east, north = layer.bounds or (0, 0, 0, 0)
    assert -88.21 < west < east < -87.99 and 30.59 < south < north < 30.79


def test_few_points_in_view_come_with_their_columns(points: CityQuery) -> None:
    """GIVEN the same points WHEN a small box is asked for THEN each row is a point feature
    with its columns, and only rows inside the box come."""
    box = (-88.101, 30.689, -88.099, 30.691)
    layer = build_layer("points", POINT_COLUMNS, LayerRequest(bbox=box), points.execute_arrow)
    assert not layer.clustered and layer.kinds == ["point"]
    assert 0 < len(layer.features) == layer.in_view < 100
    feature = layer.features[0]
    assert set(feature["properties"]) == {"id", "kind", "lat", "lon"}
    lon, lat = feature["geometry"]["coordinates"]
    assert box[0] <= lon <= box[2] and box[1] <= lat <= box[3]
    assert feature["properties"]["lon"] == pytest.approx(lon, abs=1e-6)


def test_filters_as_in_indicators(points: CityQuery) -> None:
    """GIVEN the points WHEN filtered by kind, by a list and by a range THEN the counts follow,
    and values only ever travel as parameters."""
    run = points.execute_arrow

    def matched(*filters: Any) -> int:
        request = LayerRequest(bbox=CITY_BOX, zoom=11, filters=[make_filter(*f) for f in filters])
        return build_layer("points", POINT_COLUMNS, request, run).matched

    assert matched(("kind", "=", "pothole")) == 10_000
    assert matched(("kind", "!=", "pothole")) == 90_000
    assert matched(("kind", "in", ["pothole", "graffiti"])) == 100_000
    assert matched(("kind", "not in", ["pothole"])) == 90_000
    assert matched(("id", "between", [10, 19])) == 10
    assert matched(("lat", "is null", None)) == 250
    assert matched(("lat", "is not null", None)) == 99_750
    assert matched(("kind", "contains", "HOLE")) == 10_000
    assert matched(("kind", "=", "x' OR 1=1 --")) == 0
    sql, params = filter_condition([make_filter("kind", "=", "'; DROP")], POINT_COLUMNS)
    assert "DROP" not in sql and params == ["'; DROP"]


def test_bad_filters_and_boxes_are_refused(points: CityQuery) -> None:
    with pytest.raises(LayerError, match="no column 'nope'"):
        build_layer(
            "points",
            POINT_COLUMNS,
            LayerRequest(filters=[make_filter("nope", "=", 1)]),
            points.execute_arrow,
        )
    with pytest.raises(LayerError, match="between"):
        make_filter("id", "between", [1])
    with pytest.raises(LayerError, match="bbox"):
        build_layer("points", POINT_COLUMNS, LayerRequest(bbox=(1, 1, 0, 0)), points.execute_arrow)


def test_polygons_are_simplified_by_zoom(tmp_path: Path) -> None:
    """GIVEN a detailed circle polygon and a row without a geometry WHEN drawn far out and
    close in THEN the far drawing has fewer vertices, both keep the row's columns, and the
    missing shape is counted."""
    circle = shapely.Point(*MOBILE).buffer(0.01, quad_segs=256)
    path = stored(
        tmp_path / "shapes.parquet",
        {
            "name": pa.array(["park", "nowhere"]),
            "geom": pa.array([shapely.to_wkb(circle), None], pa.binary()),
        },
    )
    columns = {"name": "text", "geom": "geometry"}
    with CityQuery([TableFile("shapes", path)], memory_mb=512, timeout_seconds=30) as query:
        far = build_layer("shapes", columns, LayerRequest(zoom=10), query.execute_arrow)
        near = build_layer("shapes", columns, LayerRequest(zoom=18), query.execute_arrow)
    assert far.kinds == near.kinds == ["polygon"]
    assert far.without_location == 1 and far.matched == 2
    vertices = [len(layer.features[0]["geometry"]["coordinates"][0]) for layer in (far, near)]
    assert vertices[0] < vertices[1] / 4
    assert far.features[0]["properties"] == {"name": "park"}


def test_many_polygons_cluster_at_their_middles(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    centres = shapely.points(
        MOBILE[0] + rng.uniform(-0.1, 0.1, 300), 30.69 + rng.uniform(-0.09, 0.09, 300)
    )
    blobs = shapely.to_wkb(shapely.buffer(centres, 0.0005))
    path = stored(tmp_path / "parcels.parquet", {"geom": pa.array(list(blobs), pa.binary())})
    with CityQuery([TableFile("parcels", path)], memory_mb=512, timeout_seconds=30) as query:
        layer = build_layer(
            "parcels", {"geom": "geometry"}, LayerRequest(zoom=11, limit=100), query.execute_arrow
        )
    assert layer.clustered
    assert sum(f["properties"]["count"] for f in layer.features) == 300


def test_zoom_for_a_city_box() -> None:
    assert 11 < zoom_for(CITY_BOX) < 12.5


def test_rows_taken_from_the_kept_table_are_those_the_scan_gives(points: CityQuery) -> None:
    """GIVEN the points and every row of them kept in memory (as the map keeps a small
    version's) WHEN a few streets are asked for, unfiltered and filtered THEN the features are
    exactly those of the scan without the kept rows, and a filtered view never reads them (its
    places are the filtered scan's, not the table's)."""
    box = (-88.102, 30.688, -88.098, 30.692)
    run = points.execute_arrow
    table = run('SELECT * FROM "points"')
    asked: list[int] = []

    def kept() -> pa.Table:
        asked.append(1)
        return table

    plain = build_layer("points", POINT_COLUMNS, LayerRequest(bbox=box), run)
    taken = build_layer("points", POINT_COLUMNS, LayerRequest(bbox=box), run, all_rows=kept)
    assert asked and 0 < len(taken.features) < 200
    assert taken.features == plain.features
    potholes = LayerRequest(bbox=box, filters=[make_filter("kind", "=", "pothole")])
    asked.clear()
    filtered = build_layer("points", POINT_COLUMNS, potholes, run, all_rows=kept)
    assert not asked
    assert filtered.features == build_layer("points", POINT_COLUMNS, potholes, run).features
    assert {f["properties"]["kind"] for f in filtered.features} == {"pothole"}


def test_rows_too_big_to_keep_are_read_once_and_never_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN a version whose rows pass the kept-rows bound WHEN its map is viewed twice THEN
    its rows are read once, nothing is kept (None: its views take the scan path), and a small
    version's rows are kept and given back."""
    from civiclab.geo import queries

    monkeypatch.setattr(queries, "_kept", type(queries._kept)())
    monkeypatch.setattr(queries, "KEPT_ROWS_BYTES", 1000)
    reads: list[int] = []

    def big() -> pa.Table:
        reads.append(1)
        return pa.table({"x": np.arange(1000)})

    assert queries._kept_rows(("big",), big) is None
    assert queries._kept_rows(("big",), big) is None
    assert reads == [1]
    small = pa.table({"x": [1, 2]})
    assert queries._kept_rows(("small",), lambda: small) is small
    assert queries._kept_rows(("small",), lambda: pa.table({"x": [3]})) is small
