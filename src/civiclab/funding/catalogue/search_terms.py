"""What search and matching compute without a database: the categories and instruments as bit
masks, the priority areas of the portfolio as Grants.gov categories, an opportunity's text as
the index's weighted columns, and a passage of a text where terms occur."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from civiclab.core.textprep import fold, index_terms, stems
from civiclab.funding.catalogue.records import ACTIVITY_CATEGORIES, INSTRUMENTS

# One bit per category and per instrument (the order of records.py: stable, append only).
CATEGORY_BIT: dict[str, int] = {code: 1 << i for i, code in enumerate(ACTIVITY_CATEGORIES)}
INSTRUMENT_BIT: dict[str, int] = {code: 1 << i for i, code in enumerate(INSTRUMENTS)}

# The portfolio's priority areas as Grants.gov's CategoryOfFundingActivity codes: the first is
# the closest; a match in any counts.
PRIORITY_CATEGORIES: dict[str, tuple[str, ...]] = {
    "housing": ("HO", "CD"),
    "public_safety": ("LJL", "DPR"),
    "economic_opportunity": ("BC", "ELT", "CD", "RD", "OZ"),
    "health": ("HL", "FN", "ISS"),
    "environment": ("ENV", "EN", "NR"),
    "mobility": ("T", "IIJ"),
    "resident_engagement": ("CD", "ISS"),
    "government_operations": ("IS", "ST"),
    "education": ("ED", "ELT"),
    "other": (),
}

# The index's columns and their weights (A highest): agency and numbers, title, eligibility
# text, description.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("codes", "A"),
    ("title", "B"),
    ("eligibility", "C"),
    ("description", "D"),
)


# How much of a description (and of the eligibility text) is indexed, in characters: cut at
# the last space before it. A Grants.gov description states what is funded and for whom in its
# first paragraphs; what follows is mostly how to apply (registration, formats, contacts),
# words every opportunity shares. Indexing the start keeps each vector small (a term's
# frequency in a long boilerplate tail only dilutes the ranking, which normalises by length)
# and the import's indexing time proportional to what is worth finding. Matches still show
# passages from the whole text (``passage``).
INDEXED_TEXT = 2_000


def indexed_part(text: str, limit: int = INDEXED_TEXT) -> str:
    """The start of ``text`` the index holds: at most ``limit`` characters, cut at a space."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit + 1)
    return text[: cut if cut > 0 else limit]


def mask(codes: Iterable[object], bits: dict[str, int]) -> int:
    """The bit mask of ``codes`` (unknown codes add nothing)."""
    total = 0
    for code in codes:
        total |= bits.get(str(code), 0)
    return total


def codes_in(value: int, bits: dict[str, int]) -> list[str]:
    return [code for code, bit in bits.items() if value & bit]


def index_columns(
    *,
    agency_code: str,
    agency_name: str,
    number: str,
    assistance_listings: Sequence[str],
    title: str,
    eligibility_text: str,
    description: str,
) -> tuple[str, str, str, str]:
    """An opportunity's four prepared column texts, in ``COLUMNS``' order."""
    codes = " ".join([agency_code, agency_name, number, *assistance_listings])
    return (
        index_terms(codes),
        index_terms(title),
        index_terms(indexed_part(eligibility_text)),
        index_terms(indexed_part(description)),
    )


_SENTENCE = re.compile(r"[^.!?;\n]+[.!?;]?")
_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+")


def passage(text: str, terms: Iterable[str], width: int = 220) -> str:
    """The first sentence of ``text`` holding any of ``terms`` (index terms), cut to about
    ``width`` characters around the first such word; "" when none does."""
    wanted = set(terms)
    if not wanted or not text:
        return ""
    sentences: list[str] = _SENTENCE.findall(text)
    for sentence in sentences:
        for word in _WORD.finditer(sentence):
            if wanted.intersection(stems(fold(word.group()))):
                stripped = sentence.strip()
                if len(stripped) <= width:
                    return stripped
                start = max(0, word.start() - width // 3)
                cut = sentence[start : start + width].strip()
                return ("…" if start > 0 else "") + cut + "…"
    return ""
