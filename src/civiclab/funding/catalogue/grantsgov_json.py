"""Grants.gov's JSON shapes: a ``search2`` response (or its bare ``oppHits`` list), a
``fetchOpportunity`` ``data`` object, and the flattened items file some tools write
(``{generated_at, count, items: [...]}``).

JSON files are read whole (``MAX_JSON_BYTES``): they have no line per record, so errors name
the record's OpportunityID and its position ("record 12").
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from civiclab.funding.catalogue.applicants import BY_CODE, code_for
from civiclab.funding.catalogue.dates import api_date, us_date
from civiclab.funding.catalogue.errors import (
    DESCRIPTION_LIMIT,
    MAX_JSON_BYTES,
    TITLE_LIMIT,
    CatalogueError,
)
from civiclab.funding.catalogue.grantsgov_xml import DETAIL_URL
from civiclab.funding.catalogue.records import CATEGORIES, DocType, OpportunityRecord
from civiclab.funding.catalogue.text import cut, html_to_text
from civiclab.funding.catalogue.vocabulary import activity_code, codes, instrument_code

# Some agencies give this deadline for "no close date" (and the listing scraper writes it).
NO_CLOSE_DATE = dt.date(2099, 1, 1)
_URL_ID = re.compile(r"/(\d+)/?$")


def read_json(path: Path) -> Iterator[OpportunityRecord]:
    if path.stat().st_size > MAX_JSON_BYTES:
        raise CatalogueError(f"the JSON file is larger than {MAX_JSON_BYTES:,} bytes")
    raw = path.read_bytes()
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise CatalogueError(f"the JSON file is not UTF-8 (byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise CatalogueError(
            f"malformed JSON: {error.msg} (column {error.colno})", line=error.lineno
        ) from None
    yield from read_document(document)


def read_document(document: Any) -> Iterator[OpportunityRecord]:
    """The records of a decoded JSON document, whichever of the shapes it is."""
    if isinstance(document, dict) and "errorcode" in document:
        if document.get("errorcode") not in (0, "0"):
            raise CatalogueError(
                f"the response is an error (errorcode {document.get('errorcode')}: "
                f"{document.get('msg', '')})"
            )
        document = document.get("data")
    if isinstance(document, dict) and isinstance(document.get("items"), list):
        rows, reader = document["items"], _item
    elif isinstance(document, dict) and isinstance(document.get("oppHits"), list):
        rows, reader = document["oppHits"], _hit
    elif isinstance(document, dict) and "synopsis" in document and "opportunityTitle" in document:
        rows, reader = [document], _fetched
    elif isinstance(document, list):
        rows, reader = document, _hit
    else:
        raise CatalogueError(
            "this JSON is none of the Grants.gov shapes read here (a search2 response or its "
            "oppHits list, a fetchOpportunity data object, an items file)"
        )
    seen: set[tuple[DocType, str]] = set()
    for index, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise CatalogueError(f"record {index} is not an object")
        fields = _Fields(row, index)
        found = reader(fields)
        key = (found.doc_type, found.opportunity_id)
        if key in seen:
            raise fields.fail(f"a second {found.doc_type.value} with the same OpportunityID")
        seen.add(key)
        yield found


class _Fields:
    def __init__(self, row: dict[str, Any], index: int) -> None:
        self.row = row
        self.index = index
        self.id = ""

    def fail(self, message: str) -> CatalogueError:
        return CatalogueError(f"record {self.index}: {message}", opportunity_id=self.id or None)

    def text(self, *names: str) -> str:
        value: Any = self.row
        for name in names:
            value = value.get(name) if isinstance(value, dict) else None
        if value is None:
            return ""
        if not isinstance(value, (str, int, float)):
            raise self.fail(f"{'.'.join(names)} is not text")
        return str(value).strip()

    def listed(self, *names: str) -> list[Any]:
        value: Any = self.row
        for name in names:
            value = value.get(name) if isinstance(value, dict) else None
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(f"{'.'.join(names)} is not a list")
        return value

    def date(self, value: str, name: str, *, required: bool = False) -> dt.date | None:
        if not value:
            if required:
                raise self.fail(f"{name} is missing")
            return None
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value[:10]):
                found: dt.date | None = dt.date.fromisoformat(value[:10])
            else:
                found = us_date(value) or api_date(value)
        except ValueError:
            raise self.fail(f"{name} {value!r} is not a date that exists") from None
        if found is None:
            raise self.fail(f"{name} {value!r} is not a date")
        return found

    def amount(self, value: str, name: str) -> int | None:
        value = value.replace(",", "").strip()
        if not value or value.lower() == "none":
            return None
        if value.startswith("-"):
            raise self.fail(f"{name} {value!r} is negative")
        whole, _, fraction = value.partition(".")
        if not whole.isdigit() or (fraction and not fraction.isdigit()):
            raise self.fail(f"{name} {value!r} is not an amount")
        return int(whole)

    def opportunity_id(self, value: str) -> str:
        if not value.isdigit():
            raise self.fail(f"the OpportunityID {value!r} is not a number")
        self.id = value
        return value

    def applicant(self, value: str) -> str:
        code = code_for(value)
        if code is None or code not in BY_CODE:
            raise self.fail(f"{value!r} is not a known applicant type")
        return code


def _doc_type(value: str) -> DocType:
    return DocType.FORECAST if value.lower().startswith("forecast") else DocType.SYNOPSIS


def _close(date: dt.date | None) -> dt.date | None:
    return None if date == NO_CLOSE_DATE else date


def _hit(fields: _Fields) -> OpportunityRecord:
    opportunity_id = fields.opportunity_id(fields.text("id"))
    title = fields.text("title")
    if not title:
        raise fields.fail("the title is missing")
    return OpportunityRecord(
        opportunity_id=opportunity_id,
        number=fields.text("number")[:100],
        title=cut(title, TITLE_LIMIT),
        doc_type=_doc_type(fields.text("docType") or fields.text("oppStatus")),
        assistance_listings=[str(v) for v in fields.listed("cfdaList")],
        agency_code=fields.text("agencyCode")[:100],
        agency_name=fields.text("agency")[:300],
        post_date=fields.date(fields.text("openDate"), "openDate"),
        close_date=_close(fields.date(fields.text("closeDate"), "closeDate")),
        url=DETAIL_URL.format(id=opportunity_id),
    )


def _described(fields: _Fields, name: str, lookup: object) -> list[str]:
    labels = []
    for entry in fields.listed("synopsis", name):
        if isinstance(entry, dict):
            labels.append(str(entry.get("id") or entry.get("description") or ""))
    return codes(labels, lookup)


def _fetched(fields: _Fields) -> OpportunityRecord:
    opportunity_id = fields.opportunity_id(fields.text("id"))
    synopsis = "synopsis", "forecast"
    section = next((s for s in synopsis if isinstance(fields.row.get(s), dict)), "synopsis")
    applicant_codes = []
    for entry in fields.listed(section, "applicantTypes"):
        if isinstance(entry, dict):
            code = fields.applicant(str(entry.get("id") or entry.get("description") or ""))
            if code not in applicant_codes:
                applicant_codes.append(code)
    category = fields.text("opportunityCategory", "category")
    cost_sharing = fields.row.get(section, {}).get("costSharing")
    return OpportunityRecord(
        opportunity_id=opportunity_id,
        number=fields.text("opportunityNumber")[:100],
        title=cut(fields.text("opportunityTitle"), TITLE_LIMIT),
        doc_type=_doc_type(fields.text("docType")),
        category=category if category in CATEGORIES else "",
        instruments=_described(fields, "fundingInstruments", instrument_code),
        activity_categories=_described(fields, "fundingActivityCategories", activity_code),
        assistance_listings=[
            str(c["cfdaNumber"]) for c in fields.listed("cfdas") if c.get("cfdaNumber")
        ],
        applicant_codes=applicant_codes,
        eligibility_text=cut(
            html_to_text(fields.text(section, "applicantEligibilityDesc")), DESCRIPTION_LIMIT
        ),
        agency_code=(fields.text(section, "agencyCode") or fields.text("owningAgencyCode"))[:100],
        agency_name=fields.text(section, "agencyName")[:300],
        post_date=fields.date(fields.text(section, "postingDate"), "postingDate"),
        close_date=_close(fields.date(fields.text(section, "responseDate"), "responseDate")),
        close_date_explanation=cut(fields.text(section, "responseDateDesc"), 4_000),
        archive_date=fields.date(fields.text(section, "archiveDate"), "archiveDate"),
        last_updated=fields.date(fields.text(section, "lastUpdatedDate"), "lastUpdatedDate"),
        award_ceiling=fields.amount(fields.text(section, "awardCeiling"), "awardCeiling"),
        award_floor=fields.amount(fields.text(section, "awardFloor"), "awardFloor"),
        total_funding=fields.amount(fields.text(section, "estimatedFunding"), "estimatedFunding"),
        expected_awards=fields.amount(fields.text(section, "numberOfAwards"), "numberOfAwards"),
        cost_sharing=cost_sharing if isinstance(cost_sharing, bool) else None,
        description=cut(html_to_text(fields.text(section, "synopsisDesc")), DESCRIPTION_LIMIT),
        url=DETAIL_URL.format(id=opportunity_id),
    )


def _item(fields: _Fields) -> OpportunityRecord:
    match = _URL_ID.search(fields.text("url"))
    if match is None:
        raise fields.fail(f"the url {fields.text('url')!r} does not end with an OpportunityID")
    opportunity_id = fields.opportunity_id(match.group(1))
    title = fields.text("title")
    if not title:
        raise fields.fail("the title is missing")
    applicant_codes = []
    for label in fields.listed("eligibilities"):
        code = fields.applicant(str(label))
        if code not in applicant_codes:
            applicant_codes.append(code)
    return OpportunityRecord(
        opportunity_id=opportunity_id,
        number=fields.text("opportunity_number")[:100],
        title=cut(title, TITLE_LIMIT),
        doc_type=_doc_type(fields.text("doc_type") or fields.text("opp_status")),
        instruments=codes([str(v) for v in fields.listed("funding_instruments")], instrument_code),
        activity_categories=codes(
            [str(v) for v in fields.listed("funding_categories")], activity_code
        ),
        assistance_listings=[str(v) for v in fields.listed("alns")],
        applicant_codes=applicant_codes,
        agency_code=fields.text("agency_code")[:100],
        agency_name=fields.text("agency_name").replace("\n", " ")[:300],
        post_date=fields.date(fields.text("posted_date"), "posted_date"),
        close_date=_close(fields.date(fields.text("deadline_date"), "deadline_date")),
        description=cut(html_to_text(fields.text("description")), DESCRIPTION_LIMIT),
        url=DETAIL_URL.format(id=opportunity_id),
    )
