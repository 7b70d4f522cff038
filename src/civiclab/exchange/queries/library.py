"""The case library: full-text search over the published cases a reader may see, with
facets and filters — the one interface the page, the API and the CLI share.

``search(user, query, filters, limit=, offset=, language=)`` → ``LibraryPage``.

- **Words**: any of them (an OR-query), each in any form — accents and case folded, English
  and French stems (``core.textprep``); stop words of both languages are ignored.
  ``"exact words"`` are not phrases: quotes are ignored like other punctuation.
- **Ranking**: BM25 (``exchange.library_search``), the same scores on SQLite and PostgreSQL.
  Without words: the most recently published first.
- **Facets**: counts per value over the matches the reader may see (filters applied), so a
  private or draft case of another city is never counted.
"""

from __future__ import annotations

from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from civiclab.core import fulltext
from civiclab.core.errors import DomainError
from civiclab.core.textprep import query_words
from civiclab.exchange.library_search import CANDIDATES, CASES, COLUMNS, matched_columns, rerank
from civiclab.exchange.models import CaseStudy
from civiclab.exchange.models.cases import SIZE_BANDS
from civiclab.exchange.queries.cases import library_cases

# Limits (docs/exchange/cases.md, "Limits").
QUERY_LIMIT = 200  # characters of a search
QUERY_WORDS = 12  # words looked for (the others are ignored)
PAGE_LIMIT = 100  # results per page
OFFSET_LIMIT = 1_000  # how deep a search pages (the re-ranked candidates)
FILTER_VALUES = 20  # values per filter
FACET_VALUES = 50  # values listed per facet (the most frequent)
FACETS = (
    "priority_area",
    "size_band",
    "country",
    "region",
    "strength",
    "stage",
    "funding_source",
    "language",
)
# Fields of the facets that are columns of the case (language is two booleans).
_COLUMN_FACETS = FACETS[:-1]


class LibraryError(DomainError):
    """A search the library refuses (a limit passed, an unknown filter)."""

    code = "invalid_search"


@dataclass
class LibraryFilters:
    """Each a list of accepted values (any of them); empty: no filter."""

    priority_area: list[str] = field(default_factory=list)
    size_band: list[str] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    region: list[str] = field(default_factory=list)
    strength: list[str] = field(default_factory=list)
    stage: list[str] = field(default_factory=list)
    funding_source: list[str] = field(default_factory=list)
    language: list[str] = field(default_factory=list)


@dataclass
class Hit:
    case: CaseStudy
    score: float
    language: str  # the language of its title as shown ("en" or "fr")
    title: str
    words: list[str]  # the query's words it contains
    fields: list[str]  # the index columns they are in: title, body, detail, place


@dataclass
class LibraryPage:
    hits: list[Hit]
    total: int
    facets: dict[str, list[tuple[str, int]]]  # facet → [(value, count)], most frequent first
    words: list[str]  # the words looked for


def facet_choices() -> dict[str, set[str] | None]:
    """The values each facet accepts (None: free, e.g. a country code)."""
    from civiclab.evaluation.models import STRENGTH_CHOICES
    from civiclab.funding.models import FUNDER_TYPES
    from civiclab.portfolio.models import PRIORITY_AREAS, SOLUTION_STAGES

    return {
        "priority_area": {key for key, _label in PRIORITY_AREAS},
        "size_band": {key for key, _label in SIZE_BANDS},
        "country": None,
        "region": None,
        "strength": {key for key, _label in STRENGTH_CHOICES} | {"none"},
        "stage": {key for key, _label in SOLUTION_STAGES},
        "funding_source": {key for key, _label in FUNDER_TYPES} | {"none"},
        "language": {"en", "fr"},
    }


def check_request(query: str, filters: LibraryFilters, limit: int, offset: int) -> None:
    """Refuse a search beyond the limits or with an unknown filter value, saying which."""
    if len(query) > QUERY_LIMIT:
        raise LibraryError(
            _("A search holds at most %(limit)d characters.") % {"limit": QUERY_LIMIT}
        )
    if not 1 <= limit <= PAGE_LIMIT:
        raise LibraryError(_("Ask for 1 to %(limit)d results.") % {"limit": PAGE_LIMIT})
    if not 0 <= offset <= OFFSET_LIMIT:
        raise LibraryError(_("The offset is at most %(limit)d.") % {"limit": OFFSET_LIMIT})
    for name, accepted in facet_choices().items():
        values = getattr(filters, name)
        if len(values) > FILTER_VALUES or any(len(v) > 100 for v in values):
            raise LibraryError(
                _("At most %(count)d values of %(filter)s, of at most 100 characters each.")
                % {"count": FILTER_VALUES, "filter": name}
            )
        unknown = sorted(v for v in values if accepted is not None and v not in accepted)
        if unknown:
            raise LibraryError(
                _("Unknown %(filter)s: %(values)s.")
                % {"filter": name, "values": ", ".join(unknown)},
                details={"filter": name, "values": unknown},
            )


def filtered(cases: QuerySet[CaseStudy], filters: LibraryFilters) -> QuerySet[CaseStudy]:
    for name in _COLUMN_FACETS:
        values = getattr(filters, name)
        if values:
            if name == "country":
                values = [v.upper() for v in values]
            cases = cases.filter(**{f"{name}__in": sorted(set(values))})
    if "en" in filters.language and "fr" in filters.language:
        cases = cases.filter(has_en=True) | cases.filter(has_fr=True)
    elif "en" in filters.language:
        cases = cases.filter(has_en=True)
    elif "fr" in filters.language:
        cases = cases.filter(has_fr=True)
    return cases


def facet_counts(
    matched: QuerySet[CaseStudy],
) -> tuple[dict[str, list[tuple[str, int]]], list[int]]:
    """Counts per value of each facet over ``matched`` (already scoped to the reader), most
    frequent first, and the ids matched: one statement reads the facet columns of the
    matches (a few thousand short rows at most), counted here."""
    rows = list(matched.order_by().values_list("pk", *_COLUMN_FACETS, "has_en", "has_fr"))
    counters: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
    for row in rows:
        for name, value in zip(_COLUMN_FACETS, row[1:], strict=False):
            if value:
                counters[name][value] += 1
        if row[-2]:
            counters["language"]["en"] += 1
        if row[-1]:
            counters["language"]["fr"] += 1
    counts = {
        name: sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:FACET_VALUES]
        for name, counter in counters.items()
    }
    return counts, [row[0] for row in rows]


def search(
    user: Any,
    query: str = "",
    filters: LibraryFilters | None = None,
    *,
    limit: int = 20,
    offset: int = 0,
    language: str = "en",
) -> LibraryPage:
    """One page of the published cases ``user`` may see that contain any of ``query``'s
    words (in any form), best first, and the facets of all of them."""
    filters = filters or LibraryFilters()
    query = query.strip()
    check_request(query, filters, limit, offset)
    # The index's vectors are out of line on PostgreSQL: read through its GIN index only
    # (core.fulltext.index_scans).
    with fulltext.index_scans() if query else nullcontext():
        return _search(user, query, filters, limit=limit, offset=offset, language=language)


def _search(
    user: Any, query: str, filters: LibraryFilters, *, limit: int, offset: int, language: str
) -> LibraryPage:
    chosen = filtered(library_cases(user), filters)
    words = query_words(query, QUERY_WORDS)
    groups = [list(w.terms) for w in words]
    if groups:
        sql, params = fulltext.matching_sql(CASES, groups, require_all=False)
        matched = chosen.filter(pk__in=RawSQL(sql, params))
    else:
        matched = chosen
    facets, matched_ids = facet_counts(matched)
    total = len(matched_ids)
    if groups and total:
        wanted = max(CANDIDATES, offset + limit)
        if total <= wanted:
            # Every match is re-ranked: the database's own ranking is not needed.
            candidates = matched_ids
        else:
            # The matches' ids, known already, restrict SQLite's ranking (its "+rowid IN"
            # list is cheap); PostgreSQL is given the readable cases as a sub-query instead,
            # rather than planning a statement with thousands of parameters.
            allowed: Any = matched_ids if connection.vendor == "sqlite" else chosen.order_by()
            candidates = [
                pk for pk, _score in fulltext.search(CASES, groups, wanted, restrict_ids=allowed)
            ]
        ranked_all, columns_of = rerank(candidates, groups)
        ranked = ranked_all[offset : offset + limit]
    elif groups:
        ranked, columns_of = [], {}
    else:
        columns_of = {}
        ids = list(
            matched.order_by("-published_at", "-pk").values_list("pk", flat=True)[
                offset : offset + limit
            ]
        )
        ranked = [(pk, 0.0) for pk in ids]
    by_id = CaseStudy.objects.select_related("city").in_bulk([pk for pk, _s in ranked])
    hits = [
        _hit(by_id[pk], score, words, columns_of.get(pk, []), language)
        for pk, score in ranked
        if pk in by_id
    ]
    return LibraryPage(hits=hits, total=total, facets=facets, words=[w.word for w in words])


def _hit(case: CaseStudy, score: float, words: list[Any], columns: list[str], language: str) -> Hit:
    """Why ``case`` matched: the query's words it contains, and the index columns they are
    in (title, body: problem and approach, detail: lessons, evidence, indicators and the
    evaluation, place: city, region, country, priority area)."""
    found_words: list[str] = []
    found_fields: list[str] = []
    if words and columns:
        per_word = matched_columns(columns, [w.terms for w in words])
        for word, where in zip(words, per_word, strict=True):
            if where:
                found_words.append(word.word)
                found_fields += [name for name in where if name not in found_fields]
    title = case.title_in(language)
    shown_language = "fr" if title and title == case.title_fr and title != case.title_en else "en"
    if not case.title_en and case.title_fr:
        shown_language = "fr"
    return Hit(
        case=case,
        score=score,
        language=shown_language,
        title=title,
        words=found_words,
        fields=sorted(found_fields, key=[name for name, _w in COLUMNS].index),
    )
