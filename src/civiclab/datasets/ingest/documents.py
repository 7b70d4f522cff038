"""Sources from structured documents: Open311 GeoReport v2 (JSON, XML), Socrata JSON, Excel."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError, tostring

import pyarrow as pa
from defusedxml import DefusedXmlException, ElementTree

from civiclab.datasets.ingest.columns import ColumnSpec, ColumnType, quote_literal
from civiclab.datasets.ingest.limits import ReadLimits
from civiclab.datasets.ingest.report import IngestError
from civiclab.datasets.ingest.sources import RawSource

# GeoReport v2's service request fields, in the order civiclab stores them.
OPEN311_REQUEST_COLUMNS = [
    "service_request_id",
    "status",
    "service_code",
    "service_name",
    "description",
    "agency_responsible",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "zipcode",
    "lat",
    "long",
]
OPEN311_SERVICE_COLUMNS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
# Identifiers and codes stay text even when they are all digits ("015" in Giessen).
OPEN311_KNOWN = {
    "service_request_id": ColumnType.TEXT,
    "service_code": ColumnType.TEXT,
    "zipcode": ColumnType.TEXT,
    "address_id": ColumnType.TEXT,
    "lat": ColumnType.LATITUDE,
    "long": ColumnType.LONGITUDE,
}
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


def _text(value: Any) -> str | None:
    """A JSON value as the text it was written as (nested values as compact JSON)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def table_source(
    fmt: str,
    records: list[dict[str, str | None]],
    columns: list[str],
    known: dict[str, ColumnType] | None = None,
    details: dict[str, Any] | None = None,
) -> RawSource:
    """Records of raw text as an in-memory table DuckDB scans."""
    if not records:
        raise IngestError("The file holds no records.", code="empty")
    table = pa.table({c: pa.array([r.get(c) for r in records], pa.string()) for c in columns})
    name = f"__source_{fmt}"
    return RawSource(
        format=fmt,
        from_sql=name,
        columns=columns,
        known={c: ColumnSpec(c, c, t) for c, t in (known or {}).items() if c in columns},
        tables={name: table},
        details=details or {},
    )


def _ordered_columns(records: Iterable[dict[str, Any]], standard: list[str]) -> list[str]:
    seen = {key for record in records for key in record}
    extra = sorted(seen - set(standard))
    return [c for c in standard if c in seen] + extra


def open311_source(records: list[dict[str, Any]], kind: str) -> RawSource:
    standard = OPEN311_REQUEST_COLUMNS if kind == "requests" else OPEN311_SERVICE_COLUMNS
    rows = [{k: _text(v) for k, v in record.items()} for record in records]
    columns = _ordered_columns(rows, standard)
    return table_source(
        "open311", rows, columns, OPEN311_KNOWN, {"open311": kind, "standard": standard}
    )


def open311_kind(records: list[dict[str, Any]]) -> str | None:
    if records and all(isinstance(r, dict) for r in records[:50]):
        keys = set().union(*(r.keys() for r in records[:50]))
        if "service_request_id" in keys or "requested_datetime" in keys:
            return "requests"
        if "service_code" in keys and "service_name" in keys:
            return "services"
    return None


def read_open311_xml(path: Path) -> RawSource:
    try:
        # defusedxml: entity expansion ("billion laughs") and external entities are refused.
        root = ElementTree.parse(path).getroot()
    except DefusedXmlException:
        raise IngestError(
            "The XML declares entities or a DTD, which civiclab refuses: they can expand "
            "without limit or read other files.",
            code="unreadable",
        ) from None
    except ParseError as exc:
        raise IngestError(
            "The XML is not well formed: {detail}.", code="unreadable", params={"detail": str(exc)}
        ) from None
    tag = root.tag.split("}")[-1]
    if tag not in ("service_requests", "services"):
        raise IngestError(
            "An XML root <{tag}> is not an Open311 document (<service_requests> or <services>).",
            code="format",
            params={"tag": tag},
        )
    records = []
    for element in root:
        record: dict[str, Any] = {}
        for field in element:
            name = field.tag.split("}")[-1]
            if field.get(XSI_NIL) == "true":
                record[name] = None
            elif len(field):  # nested elements (service attributes): kept as XML text
                record[name] = tostring(field, "unicode")
            else:
                record[name] = field.text
        records.append(record)
    return open311_source(records, "requests" if tag == "service_requests" else "services")


def socrata_json_source(document: Any) -> RawSource:
    """Socrata JSON: SODA rows (a list of objects) or a view export ({"meta", "data"})."""
    if isinstance(document, dict) and "data" in document and "meta" in document:
        meta_columns = document["meta"].get("view", {}).get("columns", [])
        wanted = [
            (i, c.get("name") or c.get("fieldName"))
            for i, c in enumerate(meta_columns)
            if not str(c.get("fieldName", "")).startswith(":")  # Socrata's system columns
        ]
        rows = [{name: _text(row[i]) for i, name in wanted} for row in document["data"]]
        return table_source("socrata_json", rows, [name for _i, name in wanted])
    if isinstance(document, list) and all(isinstance(r, dict) for r in document):
        rows = [{k: _text(v) for k, v in record.items()} for record in document]
        return table_source("socrata_json", rows, _ordered_columns(rows, []))
    raise IngestError(
        "This JSON is neither Open311, Socrata rows nor GeoJSON: expected a list of records.",
        code="format",
    )


def read_json(path: Path, declared: str) -> RawSource:
    try:
        document = json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IngestError(
            "The JSON cannot be read: {detail}.", code="unreadable", params={"detail": str(exc)}
        ) from None
    kind = open311_kind(document) if isinstance(document, list) else None
    if kind and declared in ("auto", "open311"):
        return open311_source(document, kind)
    if declared == "open311":
        raise IngestError("This JSON has no Open311 requests or services.", code="format")
    return socrata_json_source(document)


def _cell_text(value: Any, number_format: str = "General") -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        # Excel keeps every date as a date and time; the cell's format says which it shows.
        shows_time = any(code in number_format.lower() for code in ("h", "s"))
        return value.isoformat(sep=" ") if shows_time else value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    return str(value)


# Rows of a workbook are written to Parquet this many at a time, so memory stays bounded
# whatever the sheet's length.
XLSX_BATCH_ROWS = 10_000


def read_xlsx(path: Path, work_dir: Path, limits: ReadLimits) -> RawSource:
    """The first worksheet of an Excel workbook; its first row names the columns.

    A workbook is a zip, whose sheet can inflate a hundredfold: its sizes are checked first,
    then rows are streamed (openpyxl's read-only mode) into a Parquet file in batches, counted
    against the row, cell and time limits, and a preview stops after its first rows.
    """
    from openpyxl import load_workbook

    from civiclab.datasets.ingest.sources import check_header

    try:
        with zipfile.ZipFile(path) as archive:
            limits.check_zip(archive.infolist())
    except zipfile.BadZipFile:
        raise IngestError("The Excel file is not a valid zip archive.", code="unreadable") from None
    # A file object, not the path: uploads are stored without their extension, which
    # openpyxl would otherwise insist on.
    handle = path.open("rb")
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        handle.close()
        raise IngestError(
            "The Excel file cannot be opened: {detail}.",
            code="unreadable",
            params={"detail": str(exc)},
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows()
        header = next(rows, None)
        if header is None:
            raise IngestError("The first worksheet is empty.", code="empty")
        names = check_header(["" if c.value is None else str(c.value) for c in header])
        target = work_dir / "sheet.parquet"
        count = _write_sheet(rows, names, target, limits)
    except IngestError:
        raise
    except Exception as exc:  # a damaged sheet fails in many ways (bad XML, bad checksum)
        raise IngestError(
            "The Excel file is damaged: {detail}.", code="unreadable", params={"detail": str(exc)}
        ) from None
    finally:
        workbook.close()
        handle.close()
    if not count:
        raise IngestError("The file holds no records.", code="empty")
    return RawSource(
        format="xlsx",
        from_sql=f"read_parquet({quote_literal(str(target))})",
        columns=names,
        details={"sheet": sheet.title},
        temporary=[target],
    )


def _write_sheet(rows: Iterator[Any], names: list[str], target: Path, limits: ReadLimits) -> int:
    """Write the sheet's non-empty rows as text columns to ``target``; how many were written."""
    import pyarrow.parquet as pq

    schema = pa.schema([(name, pa.string()) for name in names])
    batch: list[list[str | None]] = []
    count = 0
    with pq.ParquetWriter(target, schema) as writer:

        def flush() -> None:
            columns = list(zip(*batch, strict=True)) if batch else [()] * len(names)
            arrays = [pa.array(column, pa.string()) for column in columns]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            batch.clear()

        for row in rows:
            cells = [_cell_text(c.value, getattr(c, "number_format", "General")) for c in row]
            if not any(c not in (None, "") for c in cells):
                continue  # Excel keeps formatted but empty rows
            if len(cells) > len(names) and any(c not in (None, "") for c in cells[len(names) :]):
                raise IngestError(
                    "Row {row} has values beyond the last named column.",
                    code="ragged",
                    params={"row": count + 1},
                )
            cells = (cells + [None] * len(names))[: len(names)]
            batch.append(cells)
            count += 1
            if len(batch) >= XLSX_BATCH_ROWS:
                flush()
                limits.check_table(count, len(names))
                limits.check_time()
            if limits.preview_rows is not None and count >= limits.preview_rows:
                break
        flush()
    limits.check_table(count, len(names))
    return count
