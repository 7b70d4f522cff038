"""Every real city file imports with all its rows through format auto-detection."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.datasets.helpers import REAL, ingest, rows

# file → (format detected, rows); row counts as their SOURCE.md files state them.
REAL_FILES = {
    "nyc311-2018-socrata-1k/311_Service_Requests.csv": ("csv", 1000),
    "nyc311-2022-socrata/311_Service_Requests_from_2010_to_Present.csv": ("csv", 924),
    "nyc311-2013-socrata-legacy52/311_Service_Requests_from_2010_to_Present.csv": ("csv", 2386),
    "baltimore311-2014-2018-sample/311_sample.csv": ("csv", 10000),
    "kansascity311-potholes-2020/311_Call_Center_Service_Requests.csv": ("csv", 4493),
    "baltimore-vacant-buildings-2016/Vacant_Buildings.csv": ("csv", 16721),
    "chicago-vacant-buildings-violations-2018/Vacant_and_Abandoned_Buildings_-_Violations.csv": (
        "csv",
        20890,
    ),
    "open311-georeport-v2/bloomington_in_requests_2012.json": ("open311", 21),
    "open311-georeport-v2/bloomington_in_services_2012.json": ("open311", 46),
    "open311-georeport-v2/chicago_requests_2014.json": ("open311", 2),
    "open311-georeport-v2/san_francisco_requests_2012.xml": ("open311", 56),
    "open311-georeport-v2/san_francisco_services_2012.xml": ("open311", 38),
    "open311-georeport-v2/toronto_requests_2018.xml": ("open311", 2),
    "open311-georeport-v2/giessen_de_services.xml": ("open311", 8),
    "syracuse-downtown-parcels/downtown-syr.geojson": ("geojson", 389),
    "nyc-vacant-lots-596acres/vacant.geojson": ("geojson", 1336),
}


@pytest.mark.parametrize(("name", "expected"), REAL_FILES.items())
def test_real_file_imports_every_row(name: str, expected: tuple[str, int], tmp_path: Path) -> None:
    output, _con = ingest(REAL / name, tmp_path)
    assert output.rows == expected[1]
    assert output.report.bad_rows == 0


def test_socrata_timestamps_are_read_in_the_city_time_zone(tmp_path: Path) -> None:
    """GIVEN '06/26/2018 10:58:54 AM' in a New York export THEN it is 14:58:54 UTC (EDT)."""
    output, con = ingest(REAL / "nyc311-2018-socrata-1k/311_Service_Requests.csv", tmp_path)
    types = {c.name: c.type.value for c in output.columns}
    assert types["Created Date"] == "timestamp"
    assert types["Latitude"] == "latitude" and types["Longitude"] == "longitude"
    first = rows(con, output, '"Unique Key", "Created Date"', "LIMIT 1")[0]
    assert first[0] == "39573567"  # an identifier stays text
    assert first[1] == dt.datetime(2018, 6, 26, 14, 58, 54, tzinfo=dt.UTC)


def test_values_are_kept_as_written(tmp_path: Path) -> None:
    """'N/A' in a real NYC file is a descriptor, not a missing value; ZIP codes stay text."""
    output, con = ingest(REAL / "nyc311-2018-socrata-1k/311_Service_Requests.csv", tmp_path)
    facility = dict(rows(con, output, '"Facility Type", count(*)', "GROUP BY 1"))
    assert facility["N/A"] > 0
    types = {c.name: c.type.value for c in output.columns}
    assert types["Incident Zip"] == "text"


def test_excel_resaved_file_with_bom_and_line_breaks(tmp_path: Path) -> None:
    """Kansas City's export: byte-order mark, M/D/YY dates, line breaks inside quotes."""
    output, con = ingest(
        REAL / "kansascity311-potholes-2020/311_Call_Center_Service_Requests.csv", tmp_path
    )
    spec = {c.name: c for c in output.columns}
    assert "CASE ID" in spec  # the byte-order mark is not part of the first name
    assert spec["CREATION DATE"].type.value == "date"
    assert spec["CREATION DATE"].format == "%m/%d/%y"
    first = rows(con, output, '"CREATION DATE", "ADDRESS WITH GEOCODE"', "LIMIT 1")[0]
    assert first[0] == dt.date(2020, 1, 7)
    assert first[1] == "4900 E 63rd St64130\n(39.014495, -94.527365)"


def test_open311_maps_to_the_standard_request_schema(tmp_path: Path) -> None:
    output, _con = ingest(REAL / "open311-georeport-v2/san_francisco_requests_2012.xml", tmp_path)
    names = [c.name for c in output.columns]
    assert names[:13] == [
        "service_request_id", "status", "service_code", "service_name", "description",
        "agency_responsible", "requested_datetime", "updated_datetime", "expected_datetime",
        "address", "zipcode", "lat", "long",
    ]  # fmt: skip
    types = {c.name: c.type.value for c in output.columns}
    assert types["service_request_id"] == "text"
    assert types["lat"] == "latitude"
    assert types["requested_datetime"] == "timestamp"


def test_geojson_geometries_are_stored_as_wkb_in_wgs84(tmp_path: Path) -> None:
    import shapely

    output, con = ingest(REAL / "syracuse-downtown-parcels/downtown-syr.geojson", tmp_path)
    (wkb,) = rows(con, output, "geometry", "LIMIT 1")[0]
    shape = shapely.from_wkb(wkb)
    assert shape.geom_type in ("Polygon", "MultiPolygon")
    x, y = shape.centroid.x, shape.centroid.y
    assert -76.2 < x < -76.1 and 43.0 < y < 43.1  # downtown Syracuse, NY
