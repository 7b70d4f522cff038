"""Which reader a catalogue file needs, and a record's content hash (for idempotent imports)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from civiclab.funding.catalogue.errors import CatalogueError
from civiclab.funding.catalogue.records import OpportunityRecord

XML = "grantsgov-xml"
JSON = "grantsgov-json"
CSV = "grantsgov-csv"
FORMATS = (XML, JSON, CSV)

# The fields that make a record's content (``line`` is where it was read, not what it says).
_HASHED = tuple(f.name for f in dataclasses.fields(OpportunityRecord) if f.name != "line")


def detect(path: Path) -> str:
    """The format of ``path``, from its first bytes (the extension only breaks no ties: a
    ``.csv`` that is really XML is read as XML)."""
    if zipfile.is_zipfile(path):
        return XML
    with path.open("rb") as stream:
        head = stream.read(4096)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or path.suffix.lower() == ".xml":
        return XML  # the XML reader says why a UTF-16 document is refused
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not text:
        raise CatalogueError(f"{path.name} is empty")
    if text.startswith(b"<"):
        return XML
    if text.startswith((b"{", b"[")):
        return JSON
    if path.suffix.lower() in {".csv", ".txt"} or b"," in text.split(b"\n", 1)[0]:
        return CSV
    raise CatalogueError(
        f"{path.name} is not a catalogue file read here (a Grants.gov XML extract, .zip or "
        ".xml; search2 or fetchOpportunity JSON; a Grants.gov listing CSV)"
    )


def reader_for(fmt: str) -> Callable[[Path], Iterator[OpportunityRecord]]:
    # Imported here so that detecting a format does not load every reader.
    if fmt == XML:
        from civiclab.funding.catalogue.grantsgov_xml import read_xml

        return read_xml
    if fmt == JSON:
        from civiclab.funding.catalogue.grantsgov_json import read_json

        return read_json
    if fmt == CSV:
        from civiclab.funding.catalogue.grantsgov_csv import read_csv

        return read_csv
    raise CatalogueError(f"unknown catalogue format {fmt!r}")


def read(path: Path) -> tuple[str, Iterator[OpportunityRecord]]:
    """The format of ``path`` and its records."""
    fmt = detect(path)
    return fmt, reader_for(fmt)(path)


def _plain(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def content_hash(record: OpportunityRecord) -> str:
    """SHA-256 of the record's fields (not its line): equal hashes, nothing to write."""
    values = [_plain(getattr(record, name)) for name in _HASHED]
    encoded = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
