"""Socrata JSON (rows and view exports), Excel workbooks and Open311 edge cases."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from civiclab.datasets.ingest.report import IngestError
from tests.datasets.helpers import ingest, rows, write


def test_socrata_json_rows(tmp_path: Path) -> None:
    records = [
        {"unique_key": "101", "created_date": "2024-01-31T23:05:00.000", "incident_zip": "02134",
         "location": {"latitude": "42.35", "longitude": "-71.13"}},
        {"unique_key": "102", "created_date": "2024-02-01T08:00:00.000", "descriptor": "N/A"},
    ]  # fmt: skip
    output, con = ingest(write(tmp_path / "rows.json", json.dumps(records)), tmp_path)
    types = {c.name: c.type.value for c in output.columns}
    assert types["created_date"] == "timestamp" and types["incident_zip"] == "text"
    first = dict(
        zip([c.name for c in output.columns], rows(con, output, "*", "LIMIT 1")[0], strict=True)
    )
    assert first["incident_zip"] == "02134"
    assert json.loads(first["location"]) == {"latitude": "42.35", "longitude": "-71.13"}
    assert rows(con, output, "descriptor")[1] == ("N/A",)


def test_socrata_view_export(tmp_path: Path) -> None:
    document = {
        "meta": {"view": {"columns": [
            {"fieldName": ":sid", "name": "sid"},
            {"fieldName": "case_id", "name": "Case ID"},
            {"fieldName": "status", "name": "Status"},
        ]}},
        "data": [[1, "A-1", "Open"], [2, "A-2", "Closed"]],
    }  # fmt: skip
    output, con = ingest(write(tmp_path / "view.json", json.dumps(document)), tmp_path)
    assert [c.name for c in output.columns] == ["Case ID", "Status"]
    assert rows(con, output) == [("A-1", "Open"), ("A-2", "Closed")]


def test_excel_first_sheet(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Code postal", "Date", "Montant", "Actif"])
    sheet.append(["68100", dt.date(2024, 3, 4), 12.5, True])
    sheet.append(["06000", dt.date(2024, 3, 5), 3.0, False])
    sheet.append([None, None, None, None])  # a formatted but empty row
    path = tmp_path / "mulhouse.xlsx"
    book.save(path)
    output, con = ingest(path, tmp_path, timezone="Europe/Paris")
    types = {c.name: c.type.value for c in output.columns}
    assert types == {"Code postal": "text", "Date": "date", "Montant": "decimal",
                     "Actif": "boolean"}  # fmt: skip
    assert rows(con, output) == [
        ("68100", dt.date(2024, 3, 4), 12.5, True),
        ("06000", dt.date(2024, 3, 5), 3.0, False),
    ]


def test_open311_json_that_is_not_open311(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no Open311 requests or services"):
        ingest(write(tmp_path / "x.json", '[{"a": 1}]'), tmp_path, fmt="open311")


def test_xml_that_is_not_open311(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="not an Open311 document"):
        ingest(write(tmp_path / "x.xml", "<rss><item/></rss>"), tmp_path)


def test_xml_entity_expansion_is_refused(tmp_path: Path) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><service_requests><request>'
        "<service_request_id>&lol2;</service_request_id></request></service_requests>"
    )
    with pytest.raises(IngestError, match="declares entities or a DTD"):
        ingest(write(tmp_path / "bomb.xml", bomb), tmp_path)


def test_format_mismatch_is_explained(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="looks like csv"):
        ingest(write(tmp_path / "x.csv", "a,b\n1,2\n"), tmp_path, fmt="geo")
