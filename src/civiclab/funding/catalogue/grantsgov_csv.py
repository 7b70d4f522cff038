"""Grants.gov listings as CSV: the search listing (columns ``Opportunity Number, Opportunity
Title, Agency, Opportunity Status, Posted Date, Close Date, Instrument Type, Category,
Matching, Award Ceiling, Award Floor``) and a flattened ``search2`` hits table (``id, number,
title, agencyCode, agency, openDate, closeDate, oppStatus, docType, cfdaList``).

The listing has no OpportunityID: its records are keyed ``number-<Opportunity Number>``
(``NUMBER_PREFIX``), so they never collide with (nor update) the extract's records. What the
real listings do that is read here: lines in Windows-1252 among UTF-8 ones (each line is read
as UTF-8, else Windows-1252; U+FFFD replacement characters are dropped), the header repeated
mid-file, a blank line after every record, multi-line quoted categories, forecasts with the
form's labels instead of values ("Funding Instrument Type:"), "no data" and ``2099-01-01`` for
no close date, and ``0`` for an amount not stated.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from civiclab.funding.catalogue.dates import us_date
from civiclab.funding.catalogue.errors import (
    MAX_CSV_BYTES,
    MAX_CSV_ROWS,
    TITLE_LIMIT,
    CatalogueError,
)
from civiclab.funding.catalogue.grantsgov_json import NO_CLOSE_DATE
from civiclab.funding.catalogue.grantsgov_xml import DETAIL_URL
from civiclab.funding.catalogue.records import DocType, OpportunityRecord
from civiclab.funding.catalogue.text import cut
from civiclab.funding.catalogue.vocabulary import activity_code, codes, instrument_codes

NUMBER_PREFIX = "number-"
LISTING = (
    "Opportunity Number",
    "Opportunity Title",
    "Agency",
    "Opportunity Status",
    "Posted Date",
    "Close Date",
    "Instrument Type",
    "Category",
    "Matching",
    "Award Ceiling",
    "Award Floor",
)
HITS = ("id", "number", "title", "agencyCode", "agency", "openDate", "closeDate", "docType")
_NO_VALUE = {"", "no data", "n/a", "none"}
_CFDA = re.compile(r"\d{2}\.\d{2,3}[A-Za-z]?")


def _lines(stream: IO[bytes]) -> Iterator[str]:
    seen = 0
    for raw in stream:
        seen += len(raw)
        if seen > MAX_CSV_BYTES:
            raise CatalogueError(f"the CSV file is larger than {MAX_CSV_BYTES:,} bytes")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            line = raw.decode("cp1252", errors="replace")
        yield line.replace("\ufeff", "").replace("\ufffd", "")


def read_csv(path: Path) -> Iterator[OpportunityRecord]:
    with path.open("rb") as stream:
        reader = csv.reader(_lines(stream))
        header: list[str] | None = None
        # A scraped listing repeats rows where its pages overlap: an identical row is read
        # once; a different row with the same key is an error.
        seen: dict[tuple[DocType, str], list[str]] = {}
        rows = 0
        try:
            for row in reader:
                cells = [cell.strip() for cell in row]
                if not any(cells):
                    continue
                if header is None:
                    header = cells
                    _check_header(header)
                    continue
                if cells == header:  # the header repeated mid-file
                    continue
                rows += 1
                if rows > MAX_CSV_ROWS:
                    raise CatalogueError(f"the CSV file has more than {MAX_CSV_ROWS:,} records")
                values = dict(zip(header, cells, strict=False))
                line = reader.line_num
                found = (
                    _listing(values, line) if "Opportunity Number" in header else _hit(values, line)
                )
                key = (found.doc_type, found.opportunity_id)
                if key in seen and seen[key] == cells:
                    continue
                if key in seen:
                    raise CatalogueError(
                        f"a second {found.doc_type.value} with the same "
                        f"{'Opportunity Number' if 'Opportunity Number' in header else 'id'}",
                        opportunity_id=found.opportunity_id,
                        line=line,
                    )
                seen[key] = cells
                yield found
        except csv.Error as error:
            raise CatalogueError(f"malformed CSV: {error}", line=reader.line_num) from None
        if header is None:
            raise CatalogueError("the CSV file is empty")


def _check_header(header: list[str]) -> None:
    if all(name in header for name in LISTING) or all(name in header for name in HITS):
        return
    raise CatalogueError(
        "the CSV columns are neither a Grants.gov listing's ("
        + ", ".join(LISTING)
        + ") nor a search2 hits table's ("
        + ", ".join(HITS)
        + ")",
        line=1,
    )


def _fail(message: str, opportunity_id: str, line: int) -> CatalogueError:
    return CatalogueError(message, opportunity_id=opportunity_id or None, line=line)


def _date(value: str, name: str, opportunity_id: str, line: int) -> dt.date | None:
    if value.lower() in _NO_VALUE:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            found: dt.date | None = dt.date.fromisoformat(value)
        else:
            found = us_date(value)
    except ValueError:
        found = None
    if found is None:
        raise _fail(f"{name} {value!r} is not a date (MM/DD/YYYY)", opportunity_id, line)
    return None if found == NO_CLOSE_DATE and name.startswith("Close") else found


def _amount(value: str, name: str, opportunity_id: str, line: int) -> int | None:
    value = value.replace(",", "").replace("$", "").strip()
    if value.lower() in _NO_VALUE or value.endswith(":"):
        return None
    if value.startswith("-"):
        raise _fail(f"{name} {value!r} is negative", opportunity_id, line)
    whole, _, fraction = value.partition(".")
    if not whole.isdigit() or (fraction and not fraction.isdigit()):
        raise _fail(f"{name} {value!r} is not an amount", opportunity_id, line)
    return int(whole) or None


def _label(value: str) -> str:
    """A cell, unless a forecast left the form's label in it ("Category of Funding Activity:")."""
    return "" if value.endswith(":") else value


def _listing(values: dict[str, str], line: int) -> OpportunityRecord:
    number = values.get("Opportunity Number", "")
    if not number:
        raise CatalogueError("the Opportunity Number is missing", line=line)
    if len(number) > 64 - len(NUMBER_PREFIX):
        raise CatalogueError(f"the Opportunity Number {number[:80]!r} is too long", line=line)
    key = NUMBER_PREFIX + number
    title = values.get("Opportunity Title", "")
    if not title:
        raise _fail("the Opportunity Title is missing", key, line)
    matching = _label(values.get("Matching", "")).lower()
    status = values.get("Opportunity Status", "").lower()
    categories = [c.strip() for c in _label(values.get("Category", "")).split("\n")]
    return OpportunityRecord(
        opportunity_id=key,
        number=number[:100],
        title=cut(title, TITLE_LIMIT),
        doc_type=DocType.FORECAST if status.startswith("forecast") else DocType.SYNOPSIS,
        instruments=instrument_codes(_label(values.get("Instrument Type", ""))),
        activity_categories=codes(categories, activity_code),
        agency_code=values.get("Agency", "")[:100],
        post_date=_date(values.get("Posted Date", ""), "Posted Date", key, line),
        close_date=_date(values.get("Close Date", ""), "Close Date", key, line),
        award_ceiling=_amount(values.get("Award Ceiling", ""), "Award Ceiling", key, line),
        award_floor=_amount(values.get("Award Floor", ""), "Award Floor", key, line),
        cost_sharing={"yes": True, "no": False}.get(matching),
        line=line,
    )


def _hit(values: dict[str, str], line: int) -> OpportunityRecord:
    opportunity_id = values.get("id", "")
    if not opportunity_id.isdigit():
        raise CatalogueError(f"the id {opportunity_id!r} is not an OpportunityID", line=line)
    title = values.get("title", "")
    if not title:
        raise _fail("the title is missing", opportunity_id, line)
    doc_type = (values.get("docType") or values.get("oppStatus") or "").lower()
    return OpportunityRecord(
        opportunity_id=opportunity_id,
        number=values.get("number", "")[:100],
        title=cut(title, TITLE_LIMIT),
        doc_type=DocType.FORECAST if doc_type.startswith("forecast") else DocType.SYNOPSIS,
        assistance_listings=list(dict.fromkeys(_CFDA.findall(values.get("cfdaList", "")))),
        agency_code=values.get("agencyCode", "")[:100],
        agency_name=values.get("agency", "")[:300],
        post_date=_date(values.get("openDate", ""), "openDate", opportunity_id, line),
        close_date=_date(values.get("closeDate", ""), "Close Date", opportunity_id, line),
        url=DETAIL_URL.format(id=opportunity_id),
        line=line,
    )
