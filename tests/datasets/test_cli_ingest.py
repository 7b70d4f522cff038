"""`civiclab ingest`, `datasets list|show|rollback`: every format from the command line."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from tests.datasets.helpers import REAL, write
from tests.datasets.test_bad_input import state_plane_layer
from tests.factories import CityFactory

pytestmark = pytest.mark.django_db


def ingest(*args: str) -> dict:
    out = io.StringIO()
    call_command("ingest", *args, "--json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def shapefile_zip(tmp_path: Path) -> Path:
    folder = tmp_path / "shp"
    folder.mkdir()
    state_plane_layer(folder, "ESRI Shapefile", "lots.shp")
    path = tmp_path / "lots.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for part in folder.iterdir():
            archive.write(part, part.name)
    return path


def workbook(tmp_path: Path) -> Path:
    book = Workbook()
    book.active.append(["id", "name"])
    book.active.append([1, "Mulhouse"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize(
    ("make", "rows", "fmt"),
    [
        (lambda t: REAL / "nyc311-2022-socrata/311_Service_Requests_from_2010_to_Present.csv",
         924, "csv"),
        (lambda t: REAL / "open311-georeport-v2/bloomington_in_requests_2012.json", 21, "open311"),
        (lambda t: REAL / "open311-georeport-v2/toronto_requests_2018.xml", 2, "open311"),
        (lambda t: REAL / "nyc-vacant-lots-596acres/vacant.geojson", 1336, "geojson"),
        (lambda t: state_plane_layer(t, "GPKG", "lots.gpkg"), 2, "gpkg"),
        (shapefile_zip, 2, "shapefile"),
        (workbook, 1, "xlsx"),
        (lambda t: write(t / "rows.json", '[{"a": "1"}, {"a": "2"}]'), 2, "socrata_json"),
    ],
)  # fmt: skip
def test_every_format(tmp_path: Path, make, rows: int, fmt: str) -> None:
    CityFactory(slug="mobile")
    result = ingest(str(make(tmp_path)), "--city", "mobile", "--dataset", "data")
    assert (result["rows"], result["format"], result["version"]) == (rows, fmt, 1)
    assert result["bad_rows"] == 0 and result["columns"]


def test_overrides_and_preview(tmp_path: Path) -> None:
    CityFactory(slug="mobile")
    path = write(tmp_path / "x.csv", "zip,Unique Key,note\n02134,1,N/A\n02135,2,ok\n")
    out = io.StringIO()
    call_command("ingest", str(path), "--city", "mobile", "--dataset", "x", "--preview",
                 "--json", stdout=out)  # fmt: skip
    preview = json.loads(out.getvalue())
    assert [c["type"] for c in preview["columns"]] == ["text", "text", "text"]  # a key is text
    assert preview["sample"]["rows"][0] == ["02134", "1", "N/A"]
    result = ingest(str(path), "--city", "mobile", "--dataset", "x", "--type", "Unique Key=text",
                    "--rename", "Unique Key=id", "--null", "note=N/A")  # fmt: skip
    assert result["columns"] == [
        {"name": "zip", "type": "text"}, {"name": "id", "type": "text"},
        {"name": "note", "type": "text"},
    ]  # fmt: skip


def test_errors_are_specific(tmp_path: Path) -> None:
    CityFactory(slug="mobile")
    path = write(tmp_path / "x.csv", "id,lat\n1,40\n2,99\n")
    with pytest.raises(CommandError) as caught:
        call_command("ingest", str(path), "--city", "mobile", "--dataset", "x",
                     stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    message = str(caught.value)
    assert "1 row(s) could not be read" in message
    assert "row 2, column 'lat': '99' not a latitude between -90 and 90" in message
    with pytest.raises(CommandError, match="--type lat=colour"):
        call_command("ingest", str(path), "--city", "mobile", "--dataset", "x",
                     "--type", "lat=colour")  # fmt: skip
    with pytest.raises(CommandError, match="no city with slug 'atlantis'"):
        call_command("ingest", str(path), "--city", "atlantis", "--dataset", "x")


def test_list_show_rollback(tmp_path: Path) -> None:
    CityFactory(slug="mobile")
    ingest(str(write(tmp_path / "a.csv", "a\n1\n")), "--city", "mobile", "--dataset", "t")
    ingest(str(write(tmp_path / "b.csv", "a\n1\n2\n")), "--city", "mobile", "--dataset", "t",
           "--add-version")  # fmt: skip
    out = io.StringIO()
    call_command("datasets", "list", "--city", "mobile", "--json", stdout=out)
    assert json.loads(out.getvalue())[0] | {"updated_at": None} == {
        "name": "t", "slug": "t", "city": "mobile", "visibility": "city", "version": 2,
        "rows": 2, "updated_at": None,
    }  # fmt: skip
    call_command("datasets", "rollback", "t", "1", "--city", "mobile", stdout=io.StringIO())
    out = io.StringIO()
    call_command("datasets", "show", "t", "--city", "mobile", "--json", stdout=out)
    shown = json.loads(out.getvalue())
    assert shown["version"] == 1 and shown["rows"] == 1
    assert [(v["version"], v["current"]) for v in shown["versions"]] == [(2, False), (1, True)]
    with pytest.raises(CommandError, match="has no version 7"):
        call_command("datasets", "rollback", "t", "7", "--city", "mobile")
