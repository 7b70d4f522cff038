"""Each kind of bad input gets a specific error — which row, which column, why."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pyarrow as pa
import pyogrio
import pytest
import shapely

from civiclab.datasets.ingest.limits import ReadLimits
from civiclab.datasets.ingest.report import IngestError
from tests.datasets.helpers import ingest, rows, write


def refused(path: Path, work: Path, **kwargs: object) -> IngestError:
    with pytest.raises(IngestError) as caught:
        ingest(path, work, **kwargs)
    return caught.value


@pytest.mark.parametrize("content", [b"", b"  \n\r\n  "])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    error = refused(write(tmp_path / "empty.csv", content), tmp_path)
    assert error.code == "empty" and error.message == "The file is empty."


def test_binary_file(tmp_path: Path) -> None:
    error = refused(write(tmp_path / "x.csv", b"a,b\n\x00\x01\x02,3\n"), tmp_path)
    assert "NUL bytes" in error.message


def test_bytes_that_no_encoding_decodes(tmp_path: Path) -> None:
    # 0x81 is undefined in Windows-1252 and not UTF-8 on its own.
    error = refused(write(tmp_path / "x.csv", b"name\nvaleur \x81\n"), tmp_path)
    assert error.code == "encoding"
    assert "0x81" in error.message and "offset" in error.message


def test_bad_utf8_deep_in_a_utf8_file_is_a_bad_row(tmp_path: Path) -> None:
    lines = ["id,name"] + [f"{n},café {n}" for n in range(1, 60001)] + ["60001,caf\udcff"]
    data = "\n".join(lines[:-1]).encode() + b"\n60001,caf\xff\n"
    error = refused(write(tmp_path / "x.csv", data), tmp_path)
    assert error.report is not None
    assert error.report.counts["bytes that are not valid UTF-8"] == 1
    assert error.report.examples[0].row == 60001


def test_ragged_rows_name_their_rows(tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", "a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n")
    error = refused(path, tmp_path)
    assert error.code == "bad_rows"
    problems = {(p.row, p.reason) for p in error.report.examples}
    assert (2, "the row has fewer fields than the header") in problems
    assert (3, "the row has more fields than the header") in problems
    assert error.report.bad_rows == 2


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("a,b,a", "The header names 'a' twice (columns 1 and 3)"),
        ("a,,c", "Column 2 of the header has no name"),
        ("a,B,b", "The header names 'b' twice (columns 2 and 3)"),
    ],
)
def test_header_problems(tmp_path: Path, header: str, message: str) -> None:
    error = refused(write(tmp_path / "x.csv", f"{header}\n1,2,3\n"), tmp_path)
    assert error.code == "header" and message in error.message


def test_a_value_that_is_not_of_the_columns_type(tmp_path: Path) -> None:
    """GIVEN whole numbers for 60,000 rows (the type is inferred from the first 20,480)
    and then 'twelve' THEN the error names row 60001, the column, the raw value and why."""
    lines = ["id,count"] + [f"{n},{n % 97}" for n in range(1, 60001)] + ["60001,twelve"]
    error = refused(write(tmp_path / "x.csv", "\n".join(lines) + "\n"), tmp_path)
    assert error.report.bad_rows == 1
    (example,) = error.report.examples
    assert (example.row, example.column, example.value) == (60001, "count", "twelve")
    assert example.reason == "not a whole number"
    assert "1 row(s) could not be read" in error.message


def test_latitude_outside_90(tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", "id,lat,lon\n1,40.7,-73.9\n2,91.5,-73.9\n3,-40,200\n")
    error = refused(path, tmp_path)
    reasons = {(p.row, p.column, p.value, p.reason) for p in error.report.examples}
    assert (2, "lat", "91.5", "not a latitude between -90 and 90") in reasons
    assert (3, "lon", "200", "not a longitude between -180 and 180") in reasons


def test_max_bad_rows_accepts_and_lists_them(tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", "id,lat\n1,40.1\n2,95\n3,41.2\n")
    output, con = ingest(path, tmp_path, max_bad_rows=1)
    assert output.rows == 2
    assert [p.row for p in output.report.examples] == [2]
    assert rows(con, output, "id", "ORDER BY id") == [("1",), ("3",)]  # an id stays text
    with pytest.raises(IngestError):
        ingest(write(tmp_path / "y.csv", "id,lat\n1,95\n2,96\n"), tmp_path, max_bad_rows=1)


def test_override_type_that_does_not_fit(tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", "code,when\nA1,2024-01-05\n")
    error = refused(path, tmp_path, overrides={"code": {"type": "integer"}})
    assert error.report.examples[0].value == "A1"
    error = refused(path, tmp_path, overrides={"nope": {"type": "integer"}})
    assert "'nope'" in error.message and error.code == "override"
    error = refused(path, tmp_path, overrides={"code": {"type": "colour"}})
    assert "'colour' is not a column type" in error.message


def feature_collection(tmp_path: Path, geometries: list[dict | None]) -> Path:
    features = [
        {"type": "Feature", "properties": {"id": n}, "geometry": g}
        for n, g in enumerate(geometries, start=1)
    ]
    path = tmp_path / "x.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_invalid_and_empty_geometries(tmp_path: Path) -> None:
    square = {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]}
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    empty = {"type": "Polygon", "coordinates": []}
    flat = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [2, 2], [0, 0]]]}
    error = refused(feature_collection(tmp_path, [square, bowtie, empty, None, flat]), tmp_path)
    by_row = {p.row: p.reason for p in error.report.examples}
    assert by_row[3] == "empty geometry"
    assert by_row[4] == "no geometry, or one that cannot be parsed"
    # A polygon with no area would only "repair" into a line: reported, not changed.
    assert by_row[5].startswith("invalid geometry")
    assert 1 not in by_row and 2 not in by_row  # the self-crossing ring is safely repaired


def test_a_self_crossing_ring_is_repaired_and_counted(tmp_path: Path) -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    from civiclab.datasets.ingest.spatial import spatial_source

    path = feature_collection(tmp_path, [bowtie])
    assert spatial_source(path, "geojson", ReadLimits()).details["repaired_geometries"] == 1
    output, con = ingest(path, tmp_path)
    (wkb,) = rows(con, output, "geometry")[0]
    repaired = shapely.from_wkb(bytes(wkb))
    assert repaired.is_valid and repaired.geom_type == "MultiPolygon"
    assert repaired.area == pytest.approx(0.5)


def test_projected_coordinates_without_a_crs_are_refused(tmp_path: Path) -> None:
    import pyarrow as pa
    from pyogrio.raw import write_arrow

    folder = tmp_path / "shp"
    folder.mkdir()
    points = shapely.to_wkb(shapely.points([[400_000, 4_500_000], [401_000, 4_501_000]]))
    table = pa.table({"id": [1, 2], "geometry": points})
    with pytest.warns(UserWarning, match="'crs' was not provided"):  # the point of the test
        write_arrow(
            table, folder / "sites.shp", driver="ESRI Shapefile", geometry_name="geometry",
            geometry_type="Point",
        )  # fmt: skip
    members = {f.name: f.read_bytes() for f in folder.iterdir()}
    assert "sites.prj" not in members
    error = refused(zipped(tmp_path, members), tmp_path)
    assert error.code == "crs" and "no coordinate reference system" in error.message


def zipped(tmp_path: Path, members: dict[str, bytes]) -> Path:
    path = tmp_path / "upload.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_zip_without_a_shapefile(tmp_path: Path) -> None:
    error = refused(zipped(tmp_path, {"readme.txt": b"hello"}), tmp_path)
    assert error.message == "The zip file holds no shapefile (.shp); it holds readme.txt."


def test_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    path = zipped(tmp_path, {"parcels.shp": b"\0" * 20_000_000, "parcels.dbf": b"\0" * 100})
    error = refused(path, tmp_path)
    assert error.code == "zip_bomb"
    assert not (tmp_path / "shapefile" / "layer.shp").exists()
    error = refused(zipped(tmp_path, {"a.shp": b"x" * 5000}), tmp_path, max_unpacked=1000)
    assert error.code == "zip_bomb"


def state_plane_layer(tmp_path: Path, driver: str, name: str) -> Path:
    """Two points in New York's State Plane (EPSG:2263, feet), as GIS teams export them."""
    points = shapely.points([988000, 1000000], [190000, 210000])
    table = pa.table(
        {"lot": ["001", "002"], "geometry": pa.array(shapely.to_wkb(points), pa.binary())}
    )
    path = tmp_path / name
    pyogrio.write_arrow(
        table,
        path,
        geometry_name="geometry",
        geometry_type="Point",
        crs="EPSG:2263",
        driver=driver,
    )
    return path


def test_zipped_shapefile_is_reprojected_to_wgs84(tmp_path: Path) -> None:
    folder = tmp_path / "shp"
    folder.mkdir()
    state_plane_layer(folder, "ESRI Shapefile", "lots.shp")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in folder.iterdir():
            archive.write(part, f"export/{part.name}")
    upload = write(tmp_path / "lots.zip", buffer.getvalue())
    output, con = ingest(upload, tmp_path)
    assert output.rows == 2
    lot, wkb = rows(con, output, "lot, geometry", "ORDER BY lot")[0]
    assert lot == "001"  # leading zeros kept
    point = shapely.from_wkb(wkb)
    assert -74.1 < point.x < -73.8 and 40.6 < point.y < 40.8


def test_geopackage(tmp_path: Path) -> None:
    output, _con = ingest(state_plane_layer(tmp_path, "GPKG", "lots.gpkg"), tmp_path)
    assert output.rows == 2
    assert [c.type.value for c in output.columns] == ["text", "geometry"]
