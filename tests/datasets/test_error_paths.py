"""Errors from the engines (GDAL, DuckDB, openpyxl) name the uploaded file, never a server path."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from civiclab.datasets import jobs, services
from civiclab.datasets.ingest.report import IngestError, hide_paths
from civiclab.datasets.models import ImportJob
from tests.datasets.helpers import write
from tests.world import World

pytestmark = pytest.mark.django_db


def broken_geopackage(tmp_path: Path) -> Path:
    # Named .gpkg but not a database: GDAL's message quotes the path it was given.
    return write(tmp_path / "upload", b"this is not a GeoPackage\n" * 40)


def broken_shapefile_zip(tmp_path: Path) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("parcels/parcels.shp", b"\x00\x00\x27\x0a" + b"\x01" * 200)
        archive.writestr("parcels/parcels.dbf", b"not a dbf" * 10)
    return write(tmp_path / "upload", buffer.getvalue())


def broken_csv(tmp_path: Path) -> Path:
    # One line longer than DuckDB's 10 MB line limit: its message quotes the file's path.
    return write(tmp_path / "upload", b"a,b\n1," + b"x" * 10_500_000 + b"\n")


def broken_excel(tmp_path: Path) -> Path:
    return write(tmp_path / "upload", b"PK\x03\x04" + b"\x00" * 300)


def assert_no_server_path(message: str, tmp_path: Path) -> None:
    for folder in (str(settings.DATA_DIR), str(tmp_path), "/staging/", "/tmp/"):
        assert folder not in message, message


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (broken_geopackage, "parcels.gpkg"),
        (broken_shapefile_zip, "parcels.zip"),
        (broken_csv, "requests.csv"),
        (broken_excel, "budget.xlsx"),
    ],
)
def test_engine_errors_name_the_uploaded_file_not_a_server_path(
    world: World, tmp_path: Path, make, name: str
) -> None:
    """GIVEN a damaged file uploaded as ``name`` (kept on the server under another path)
    WHEN it is previewed and imported
    THEN the error names ``name`` where the engine quoted a path, and no server folder."""
    path = make(tmp_path)
    member = world.user("member")
    try:  # a preview reads only the first rows: the CSV's long line is further on
        services.preview_file(member, world.city, path, name, services.ImportOptions())
    except IngestError as exc:
        assert_no_server_path(exc.message, tmp_path)
    job = jobs.submit_import(member, world.city, "broken", path, name, services.ImportOptions())
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED
    assert_no_server_path(job.error["message"], tmp_path)


def test_a_gdal_message_quoting_the_staging_path_names_the_file(
    world: World, tmp_path: Path
) -> None:
    path = broken_geopackage(tmp_path)
    with pytest.raises(IngestError) as caught:
        services.preview_file(
            world.user("member"), world.city, path, "parcels.gpkg", services.ImportOptions()
        )
    assert "parcels.gpkg" in caught.value.message


def test_hide_paths_keeps_the_rest_of_the_message() -> None:
    text = (
        "IO Error: Cannot open '/srv/civiclab/uploads/jobs/ab12/upload': not a GeoPackage; "
        "see /srv/civiclab/datasets/3/staging/cd34/shapefile/layer.shp, ratio 1/2"
    )
    shown = hide_paths(text, "parcels.gpkg", [Path("/srv/civiclab/uploads/jobs/ab12/upload")])
    assert shown == (
        "IO Error: Cannot open 'parcels.gpkg': not a GeoPackage; see layer.shp, ratio 1/2"
    )
