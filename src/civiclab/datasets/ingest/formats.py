"""Which reader a file needs, from the user's choice or from its name and first bytes."""

from __future__ import annotations

from pathlib import Path

from civiclab.datasets.ingest.limits import ReadLimits
from civiclab.datasets.ingest.report import IngestError
from civiclab.datasets.ingest.sources import RawSource, csv_source

FORMATS = ("auto", "socrata", "open311", "geo", "csv", "xlsx")


def detect_format(path: Path, name: str) -> str:
    """One of csv, json, xml, geojson, gpkg, shapefile-zip, xlsx."""
    suffix = Path(name).suffix.lower()
    with path.open("rb") as handle:
        head = handle.read(4096)
    if not head.strip():
        raise IngestError("The file is empty.", code="empty")
    if head.startswith(b"PK\x03\x04"):
        return "xlsx" if suffix in (".xlsx", ".xlsm") else "shapefile-zip"
    if head.startswith(b"SQLite format 3\x00") or suffix == ".gpkg":
        return "gpkg"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        return "xml"
    if text.startswith((b"{", b"[")):
        return "geojson" if b'"FeatureCollection"' in head or suffix == ".geojson" else "json"
    return "csv"


def open_source(
    path: Path, name: str, declared: str, work_dir: Path, limits: ReadLimits
) -> RawSource:
    """The raw source for a file; ``declared`` is the user's --format (``auto`` to detect).

    Every reader keeps to ``limits``; sources read into memory (documents, spatial files)
    are checked against the row and cell limits here, the rest as the pipeline scans them.
    """
    source = _open(path, name, declared, work_dir, limits)
    for table in source.tables.values():
        limits.check_table(table.num_rows, table.num_columns)
    return source


def _open(path: Path, name: str, declared: str, work_dir: Path, limits: ReadLimits) -> RawSource:
    if declared not in FORMATS:
        raise IngestError(
            "Unknown format {format!r}: use one of {formats}.",
            code="format",
            params={"format": declared, "formats": ", ".join(FORMATS)},
        )
    detected = detect_format(path, name)
    # The spatial and document readers load GDAL, shapely and friends: only when needed,
    # so `civiclab ingest file.csv` starts quickly.
    from civiclab.datasets.ingest.documents import read_json, read_open311_xml, read_xlsx
    from civiclab.datasets.ingest.spatial import spatial_source, unpack_shapefile

    if detected == "geojson" and declared in ("auto", "geo"):
        return spatial_source(path, "geojson", limits)
    if detected == "gpkg" and declared in ("auto", "geo"):
        return spatial_source(path, "gpkg", limits)
    if detected == "shapefile-zip" and declared in ("auto", "geo"):
        return spatial_source(unpack_shapefile(path, work_dir, limits), "shapefile", limits)
    if detected == "xlsx" and declared in ("auto", "xlsx"):
        return read_xlsx(path, work_dir, limits)
    if detected == "xml" and declared in ("auto", "open311"):
        return read_open311_xml(path)
    if detected in ("json", "geojson") and declared in ("auto", "open311", "socrata"):
        return read_json(path, declared)
    if detected == "csv" and declared in ("auto", "csv", "socrata"):
        return csv_source(path, work_dir)
    raise IngestError(
        "The file looks like {detected}, which the {format!r} format cannot read.",
        code="format",
        params={"detected": detected, "format": declared},
    )
