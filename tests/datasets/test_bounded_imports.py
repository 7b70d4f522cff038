"""Every import is bounded: what a zip unpacks to, how many rows and values, how long.

The bombs are built here, small, so nothing big is committed.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import pytest
from django.test import override_settings
from openpyxl import Workbook

import civiclab.datasets.ingest.documents
import civiclab.datasets.ingest.spatial  # noqa: F401  (loaded now: timings below exclude it)
from civiclab.datasets import services
from civiclab.datasets.ingest.formats import open_source
from civiclab.datasets.ingest.limits import ReadLimits
from civiclab.datasets.ingest.pipeline import ImportSettings, ingest_connection
from civiclab.datasets.ingest.report import IngestError
from civiclab.datasets.models import Dataset
from tests.datasets.helpers import write
from tests.world import World

SHEET = "xl/worksheets/sheet1.xml"


def workbook(path: Path, rows: int, bomb: bool = False) -> Path:
    """An .xlsx whose first sheet has a header and ``rows`` rows (a number, an inline string),
    written as a stream (openpyxl would take far longer to write it). A ``bomb`` repeats one
    row without cell references, as the issue's did: it compresses about 1000-fold."""
    template = io.BytesIO()
    book = Workbook()
    book.active["A1"] = "x"
    book.save(template)
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for member in source.infolist():
            if member.filename != SHEET:
                target.writestr(member, source.read(member))
        with target.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns='
                b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                b'<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c>'
                b'<c r="B1" t="inlineStr"><is><t>note</t></is></c></row>'
            )
            for start in range(2, rows + 2, 10_000):
                chunk = "".join(
                    '<row><c><v>1</v></c><c t="inlineStr"><is><t>same words</t></is></c></row>'
                    if bomb
                    else f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="B{n}" t="inlineStr">'
                    f"<is><t>note {n}</t></is></c></row>"
                    for n in range(start, min(start + 10_000, rows + 2))
                )
                sheet.write(chunk.encode())
            sheet.write(b"</sheetData></worksheet>")
    return path


def sheet_ratio(path: Path) -> float:
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(SHEET)
    return info.file_size / info.compress_size


def source_rows(path: Path, work: Path, limits: ReadLimits) -> int:
    con = ingest_connection(ImportSettings())
    source = open_source(path, path.name, "auto", work, limits)
    return con.execute(f"SELECT count(*) FROM {source.from_sql}").fetchone()[0]


@pytest.mark.django_db
def test_an_excel_bomb_is_refused_before_it_is_inflated(world: World, tmp_path: Path) -> None:
    """GIVEN a small workbook whose sheet inflates to 25 MB (the issue's, scaled down)
    WHEN it is previewed and imported
    THEN both refuse it at once as a zip bomb, saying how large and why; nothing is made."""
    path = workbook(tmp_path / "bomb.xlsx", 300_000, bomb=True)
    assert sheet_ratio(path) > 150 and path.stat().st_size < 400_000
    member = world.user("member")
    for attempt in ("preview", "import"):
        started = time.monotonic()
        with pytest.raises(IngestError) as caught:
            if attempt == "preview":
                services.preview_file(
                    member, world.city, path, "bomb.xlsx", services.ImportOptions()
                )
            else:
                services.import_file(
                    member, world.city, "bomb", path, "bomb.xlsx", services.ImportOptions()
                )
        assert time.monotonic() - started < 2, attempt
        assert caught.value.code == "zip_bomb"
        assert "CIVICLAB_MAX_ZIP_RATIO" in caught.value.message
        assert "xl/worksheets/sheet1.xml" in caught.value.message
    assert not Dataset.objects.filter(slug="bomb").exists()
    assert not any((services.city_dir(world.city) / "staging").iterdir())


def test_a_zip_over_the_unpacked_limit_is_refused(tmp_path: Path) -> None:
    path = workbook(tmp_path / "big.xlsx", 5_000)
    with pytest.raises(IngestError) as caught:
        source_rows(path, tmp_path, ReadLimits(max_unpacked_bytes=100_000))
    assert caught.value.code == "zip_bomb"
    assert "CIVICLAB_MAX_UNPACKED_MB" in caught.value.message


def test_a_preview_reads_only_the_first_rows_of_a_workbook(tmp_path: Path) -> None:
    """A preview stops reading the sheet after its first rows, however long it is."""
    path = workbook(tmp_path / "long.xlsx", 12_000)
    assert source_rows(path, tmp_path, ReadLimits(max_zip_ratio=1000, preview_rows=500)) == 500
    assert source_rows(path, tmp_path, ReadLimits(max_zip_ratio=1000)) == 12_000


def test_rows_and_cells_beyond_the_limits_are_refused_while_reading(tmp_path: Path) -> None:
    path = workbook(tmp_path / "rows.xlsx", 15_000)
    with pytest.raises(IngestError) as caught:
        source_rows(path, tmp_path, ReadLimits(max_zip_ratio=1000, max_rows=10_500))
    assert caught.value.code == "too_many_rows" and "CIVICLAB_MAX_IMPORT_ROWS" in str(caught.value)
    with pytest.raises(IngestError) as caught:
        source_rows(path, tmp_path, ReadLimits(max_zip_ratio=1000, max_cells=25_000))
    assert caught.value.code == "too_many_cells"
    assert "CIVICLAB_MAX_IMPORT_CELLS" in caught.value.message
    # A spatial file is measured from its own feature count, before GDAL loads it.
    features = [{"type": "Feature", "properties": {"n": n}, "geometry": None} for n in range(50)]
    geojson = write(
        tmp_path / "f.geojson", json.dumps({"type": "FeatureCollection", "features": features})
    )
    with pytest.raises(IngestError) as caught:
        source_rows(geojson, tmp_path, ReadLimits(max_rows=20))
    assert caught.value.code == "too_many_rows"


@pytest.mark.django_db
@override_settings(MAX_IMPORT_ROWS=40)
def test_a_text_file_over_the_row_limit_is_not_imported(world: World, tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", "id\n" + "".join(f"{n}\n" for n in range(50)))
    with pytest.raises(IngestError) as caught:
        services.import_file(None, world.city, "x", path, "x.csv", services.ImportOptions())
    assert caught.value.code == "too_many_rows"
    assert not Dataset.objects.filter(slug="x").exists()


def test_a_query_running_past_the_time_limit_is_interrupted() -> None:
    limits = ReadLimits(timeout_seconds=0.3).started()
    con = ingest_connection(ImportSettings())
    started = time.monotonic()
    with pytest.raises(IngestError) as caught, limits.watch(con):
        con.execute("SELECT sum(hash(i)) FROM range(20000000000) t(i)").fetchall()
    assert time.monotonic() - started < 5
    assert caught.value.code == "timeout"
    assert "CIVICLAB_IMPORT_TIMEOUT_SECONDS" in caught.value.message


def test_a_workbook_read_past_the_time_limit_is_stopped(tmp_path: Path) -> None:
    path = workbook(tmp_path / "slow.xlsx", 11_000)
    expired = ReadLimits(max_zip_ratio=1000, timeout_seconds=0).started()
    with pytest.raises(IngestError) as caught:
        source_rows(path, tmp_path, expired)
    assert caught.value.code == "timeout"
