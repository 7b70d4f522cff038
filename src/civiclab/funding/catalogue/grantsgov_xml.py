"""The Grants.gov XML extract (``GrantsDBExtractYYYYMMDDv2.zip``), streamed record by record.

The zip holds one XML document: root ``<Grants>`` in the namespace ``NAMESPACE``, whose
children are ``OpportunitySynopsisDetail_1_0`` (posted opportunities) and
``OpportunityForecastDetail_1_0`` (forecasts) records.

How it is read: the zip member is opened as a stream and fed in ``CHUNK`` bytes at a time to
an expat parser (``xml.parsers.expat``) with defusedxml's protections installed the way
defusedxml installs them (``defusedxml.expatreader``/``defusedxml.ElementTree``): a document
type declaration, an entity declaration or an external reference raises defusedxml's
``DTDForbidden``/``EntitiesForbidden``/``ExternalReferenceForbidden`` as soon as expat meets
it, so an entity-expansion bomb is refused before anything expands. The handlers build a
record while its elements arrive and hand it out as soon as it ends, so at most one chunk and
the records it completes are in memory; the line where each record starts is expat's
``CurrentLineNumber`` (which ``iterparse`` does not give). Expat is used directly, not through
``DefusedXMLParser``'s ElementTree layer, which doubled the time of a large extract.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import zipfile
import zlib
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml.common import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from civiclab.funding.catalogue.applicants import BY_CODE
from civiclab.funding.catalogue.errors import (
    DESCRIPTION_LIMIT,
    MAX_XML_BYTES,
    TITLE_LIMIT,
    CatalogueError,
)
from civiclab.funding.catalogue.records import (
    ACTIVITY_CATEGORIES,
    CATEGORIES,
    INSTRUMENTS,
    DocType,
    OpportunityRecord,
)
from civiclab.funding.catalogue.text import cut, html_to_text

NAMESPACE = "http://apply.grants.gov/system/OpportunityDetail-V1.0"
ROOT = "Grants"
RECORD_TYPES = {
    "OpportunitySynopsisDetail_1_0": DocType.SYNOPSIS,
    "OpportunityForecastDetail_1_0": DocType.FORECAST,
}
CHUNK = 1024 * 1024
DETAIL_URL = "https://www.grants.gov/search-results-detail/{id}"
# The encodings the extract is written in (Grants.gov writes UTF-8).
ENCODINGS = {"utf-8", "utf8", "us-ascii", "ascii"}
# The fields a record may repeat; every other field is read once (the last one wins).
REPEATED = {
    "FundingInstrumentType",
    "CategoryOfFundingActivity",
    "CFDANumbers",
    "EligibleApplicants",
}
_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


_NAMES: dict[str, tuple[str, str]] = {}


def _local(tag: str) -> tuple[str, str]:
    """(namespace, local name) of an expat name ("namespace local" with our separator)."""
    found = _NAMES.get(tag)
    if found is None:
        namespace, _, name = tag.rpartition(" ")
        found = _NAMES[tag] = (namespace, name)
    return found


class _Record:
    def __init__(self, doc_type: DocType, line: int) -> None:
        self.doc_type = doc_type
        self.line = line
        self.values: dict[str, str] = {}
        self.lists: dict[str, list[str]] = {}


class _Target:
    """The parser's target: builds ``_Record``s and queues each as it ends."""

    def __init__(self) -> None:
        self.parser: Any = None
        self.depth = 0
        self.record: _Record | None = None
        self.field: str | None = None
        self.text: list[str] = []
        self.done: deque[_Record] = deque()

    def _line(self) -> int:
        return int(self.parser.CurrentLineNumber)

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        namespace, name = _local(tag)
        if self.depth == 1:
            if name != ROOT:
                raise CatalogueError(
                    f"the root element is <{name}>, not <{ROOT}>: this is not a Grants.gov extract",
                    line=self._line(),
                )
            if namespace != NAMESPACE:
                raise CatalogueError(
                    f"the namespace is {namespace or '(none)'!r}, not {NAMESPACE!r}: this is "
                    "not a Grants.gov extract of the version read here (V1.0)",
                    line=self._line(),
                )
        elif self.depth == 2:
            doc_type = RECORD_TYPES.get(name)
            if doc_type is None or namespace != NAMESPACE:
                raise CatalogueError(
                    f"unknown record type <{name}> (expected "
                    f"{' or '.join(RECORD_TYPES)} in {NAMESPACE})",
                    line=self._line(),
                )
            self.record = _Record(doc_type, self._line())
        elif self.depth == 3:
            self.field = name
            self.text = []
        elif self.field is not None:
            # Markup left unescaped inside a field (XHTML in a description): keep its text.
            self.text.append(" ")

    def data(self, text: str) -> None:
        if self.depth >= 3:
            self.text.append(text)

    def end(self, tag: str) -> None:
        if self.depth == 3 and self.record is not None and self.field is not None:
            value = "".join(self.text).strip()
            if self.field in REPEATED:
                if value:
                    self.record.lists.setdefault(self.field, []).append(value)
            else:
                self.record.values[self.field] = value
            self.field = None
        elif self.depth == 2 and self.record is not None:
            self.done.append(self.record)
            self.record = None
        self.depth -= 1


def _forbid_dtd(name: str, sysid: str | None, pubid: str | None, *_: object) -> None:
    raise DTDForbidden(name, sysid, pubid)


def _forbid_entity(name: str, *args: object) -> None:
    raise EntitiesForbidden(name, None, None, None, None, None)


def _forbid_external(context: str, base: str | None, sysid: str | None, pubid: str | None) -> int:
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def _parser(target: _Target) -> Any:
    """An expat parser with namespaces, feeding ``target``, with defusedxml's protections."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.buffer_size = 1024 * 1024
    parser.StartElementHandler = target.start
    parser.EndElementHandler = target.end
    parser.CharacterDataHandler = target.data
    parser.StartDoctypeDeclHandler = _forbid_dtd
    parser.EntityDeclHandler = _forbid_entity
    parser.UnparsedEntityDeclHandler = _forbid_entity
    parser.ExternalEntityRefHandler = _forbid_external
    return parser


def read_xml(path: Path) -> Iterator[OpportunityRecord]:
    """The records of an extract: a ``.zip`` holding one XML document, or the bare ``.xml``."""
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                member = xml_member(archive)
                with archive.open(member) as stream:
                    yield from read_stream(_Bounded(stream, MAX_XML_BYTES))
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:
            raise CatalogueError(f"the zip is damaged or truncated ({error})") from None
        return
    if path.stat().st_size > MAX_XML_BYTES:
        raise CatalogueError(f"the XML file is larger than {MAX_XML_BYTES:,} bytes")
    with path.open("rb") as stream:
        yield from read_stream(_Bounded(stream, MAX_XML_BYTES))


def xml_member(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    """The one XML document of an extract's zip (refused: none, several, too large)."""
    members = [
        info
        for info in archive.infolist()
        if not info.is_dir() and info.filename.lower().endswith(".xml")
    ]
    if not members:
        names = ", ".join(info.filename for info in archive.infolist()[:5]) or "nothing"
        raise CatalogueError(f"the zip holds no XML document (it holds {names})")
    if len(members) > 1:
        names = ", ".join(info.filename for info in members[:5])
        raise CatalogueError(
            f"the zip holds {len(members)} XML documents ({names}): an extract holds one"
        )
    member = members[0]
    if member.file_size > MAX_XML_BYTES:
        raise CatalogueError(
            f"{member.filename} is {member.file_size:,} bytes unzipped, more than the "
            f"{MAX_XML_BYTES:,} bytes read"
        )
    return member


class _Bounded:
    """A stream that refuses to give more than ``limit`` bytes (a zip may lie about sizes)."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.seen = 0

    def read(self, size: int) -> bytes:
        chunk = self.stream.read(size)
        self.seen += len(chunk)
        if self.seen > self.limit:
            raise CatalogueError(f"the XML document is larger than {self.limit:,} bytes")
        return chunk


def _check_encoding(first: bytes) -> None:
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CatalogueError("the XML document is UTF-16: Grants.gov extracts are UTF-8")
    match = _DECLARATION.match(first.removeprefix(codecs.BOM_UTF8))
    if match and match.group(1).decode("ascii").lower() not in ENCODINGS:
        raise CatalogueError(
            f"the XML document declares the encoding {match.group(1).decode('ascii')!r}: "
            "Grants.gov extracts are UTF-8",
            line=1,
        )


def read_stream(stream: Any) -> Iterator[OpportunityRecord]:
    """The records of one XML document read from a binary ``stream`` (``read(size)``)."""
    target = _Target()
    parser = _parser(target)
    target.parser = parser
    seen: set[tuple[DocType, str]] = set()
    first = True
    while True:
        chunk = stream.read(CHUNK)
        if first:
            if not chunk.strip():
                raise CatalogueError("the XML document is empty")
            _check_encoding(chunk[:1024])
            first = False
        try:
            parser.Parse(chunk, not chunk)
        except (expat.ExpatError, DefusedXmlException) as error:
            raise _parse_error(error, target, ended=not chunk) from None
        while target.done:
            record = _to_record(target.done.popleft())
            key = (record.doc_type, record.opportunity_id)
            if key in seen:
                raise CatalogueError(
                    f"a second {record.doc_type.value} with the same OpportunityID in one file",
                    opportunity_id=record.opportunity_id,
                    line=record.line,
                )
            seen.add(key)
            yield record
        if not chunk:
            return


def _parse_error(error: Exception, target: _Target, *, ended: bool) -> CatalogueError:
    record = target.record
    opportunity_id = record.values.get("OpportunityID") if record else None
    inside = f" (in the record that starts at line {record.line})" if record else ""
    if isinstance(error, DefusedXmlException):
        kind = type(error).__name__
        what = {
            "DTDForbidden": "a document type declaration (DTD)",
            "EntitiesForbidden": "an entity declaration (a possible entity-expansion bomb)",
            "ExternalReferenceForbidden": "a reference to an external resource",
        }.get(kind, kind)
        return CatalogueError(
            f"the XML document contains {what}, which extracts never do: refused{inside}",
            opportunity_id=opportunity_id,
            line=target._line(),
        )
    line: int | None = getattr(error, "lineno", None)
    reason = str(error).split(":")[0]
    if ended and ("no element found" in reason or "unclosed token" in reason):
        return CatalogueError(
            f"the XML document ends too early (truncated file?){inside}",
            opportunity_id=opportunity_id,
            line=line,
        )
    if "invalid token" in reason or "encoding" in reason:
        reason += " (a byte that is not UTF-8, or a character XML does not allow)"
    return CatalogueError(
        f"malformed XML: {reason}{inside}", opportunity_id=opportunity_id, line=line
    )


class _Fields:
    """Reads one record's fields, each error naming the record."""

    def __init__(self, raw: _Record) -> None:
        self.raw = raw
        self.id = raw.values.get("OpportunityID", "")

    def fail(self, message: str) -> CatalogueError:
        return CatalogueError(message, opportunity_id=self.id or None, line=self.raw.line)

    def text(self, name: str) -> str:
        return self.raw.values.get(name, "")

    def listed(self, name: str) -> list[str]:
        return self.raw.lists.get(name, [])

    def date(self, name: str, *, required: bool = False) -> dt.date | None:
        value = self.text(name)
        if not value:
            if required:
                raise self.fail(f"{name} is missing")
            return None
        if not (len(value) == 8 and value.isdigit()):
            raise self.fail(f"{name} {value!r} is not a date written MMDDYYYY")
        try:
            return dt.date(int(value[4:]), int(value[:2]), int(value[2:4]))
        except ValueError:
            raise self.fail(f"{name} {value!r} is not a date that exists (MMDDYYYY)") from None

    def amount(self, name: str) -> int | None:
        value = self.text(name).replace(",", "")
        if not value or value.lower() == "none":
            return None
        if value.startswith("-"):
            raise self.fail(f"{name} {value!r} is negative")
        whole, _, fraction = value.partition(".")
        if not whole.isdigit() or (fraction and not fraction.isdigit()):
            raise self.fail(f"{name} {value!r} is not an amount (digits or 'none')")
        return int(whole)

    def year(self, name: str) -> int | None:
        value = self.text(name)
        if not value:
            return None
        if not (value.isdigit() and 1900 <= int(value) <= 2200):
            raise self.fail(f"{name} {value!r} is not a year")
        return int(value)

    def yes_no(self, name: str) -> bool | None:
        value = self.text(name).lower()
        if not value:
            return None
        if value in {"yes", "y", "true"}:
            return True
        if value in {"no", "n", "false"}:
            return False
        raise self.fail(f"{name} {self.text(name)!r} is neither Yes nor No")

    def codes(self, name: str, table: dict[str, Any], what: str) -> list[str]:
        found = []
        for value in self.listed(name):
            if value not in table:
                raise self.fail(f"{name} {value!r} is not a known {what}")
            if value not in found:
                found.append(value)
        return found


def _to_record(raw: _Record) -> OpportunityRecord:
    fields = _Fields(raw)
    if not fields.id:
        raise fields.fail(f"the {raw.doc_type.value} has no OpportunityID")
    if not fields.id.isdigit():
        raise fields.fail(f"OpportunityID {fields.id!r} is not a number")
    title = fields.text("OpportunityTitle")
    if not title:
        raise fields.fail("OpportunityTitle is missing")
    category = fields.text("OpportunityCategory")
    if category and category not in CATEGORIES:
        raise fields.fail(f"OpportunityCategory {category!r} is not a known category")
    applicants = []
    for code in fields.listed("EligibleApplicants"):
        code = code.zfill(2)
        if code not in BY_CODE:
            raise fields.fail(f"EligibleApplicants {code!r} is not a known applicant type")
        if code not in applicants:
            applicants.append(code)
    ceiling = fields.amount("AwardCeiling")
    floor = fields.amount("AwardFloor")
    return OpportunityRecord(
        opportunity_id=fields.id,
        number=fields.text("OpportunityNumber")[:100],
        title=cut(title, TITLE_LIMIT),
        doc_type=raw.doc_type,
        category=category,
        instruments=fields.codes("FundingInstrumentType", INSTRUMENTS, "funding instrument"),
        activity_categories=fields.codes(
            "CategoryOfFundingActivity", ACTIVITY_CATEGORIES, "category of funding activity"
        ),
        assistance_listings=list(dict.fromkeys(fields.listed("CFDANumbers"))),
        applicant_codes=applicants,
        eligibility_text=cut(
            html_to_text(fields.text("AdditionalInformationOnEligibility")), DESCRIPTION_LIMIT
        ),
        agency_code=fields.text("AgencyCode")[:100],
        agency_name=fields.text("AgencyName")[:300],
        post_date=fields.date("PostDate", required=True),
        close_date=fields.date("CloseDate"),
        close_date_explanation=cut(fields.text("CloseDateExplanation"), 4_000),
        archive_date=fields.date("ArchiveDate"),
        last_updated=fields.date("LastUpdatedDate"),
        award_ceiling=ceiling,
        award_floor=floor,
        total_funding=fields.amount("EstimatedTotalProgramFunding"),
        expected_awards=fields.amount("ExpectedNumberOfAwards"),
        cost_sharing=fields.yes_no("CostSharingOrMatchingRequirement"),
        description=cut(html_to_text(fields.text("Description")), DESCRIPTION_LIMIT),
        url=DETAIL_URL.format(id=fields.id),
        estimated_post_date=fields.date("EstimatedSynopsisPostDate"),
        estimated_close_date=fields.date("EstimatedApplicationDueDate"),
        fiscal_year=fields.year("FiscalYear"),
        line=raw.line,
    )
