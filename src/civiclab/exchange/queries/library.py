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

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from civiclab.core import fulltext
from civiclab.core.errors import DomainError
from civiclab.core.textprep import fold, index_terms, query_words
from civiclab.exchange.library_search import CANDIDATES, CASES, rerank
from civiclab.exchange.models import CaseStudy
from civiclab.exchange.models.cases import BILINGUAL_FIELDS, SIZE_BANDS
from civiclab.exchange.queries.cases import library_cases

# Limits (docs/exchange/cases.md, "Limits").
QUERY_LIMIT = 200  # characters of a search
QUERY_WORDS = 12  # words looked for (the others are ignored)
PAGE_LIMIT = 100  # results per page
OFFSET_LIMIT = 1_000  # how deep a search pages (the re-ranked candidates)
FILTER_VALUES = 20  # values per filter
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
_WHY_FIELDS = (*BILINGUAL_FIELDS,)


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
    fields: list[str]  # where: title_en, problem_fr…


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
                _("Unknown %(filter)s: %(values)s.") % {"filter": name, "values": ", ".join(unknown)},
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


def facet_counts(matched: QuerySet[CaseStudy]) -> dict[str, list[tuple[str, int]]]:
    """Counts per value of each facet over ``matched`` (already scoped to the reader)."""
    base = matched.order_by()
    counts: dict[str, list[tuple[str, int]]] = {}
    for name in _COLUMN_FACETS:
        rows = base.values(name).annotate(n=Count("pk")).order_by("-n", name)[:50]
        counts[name] = [(row[name], row["n"]) for row in rows if row[name] != ""]
    languages = base.aggregate(
        en=Count("pk", filter=_q(has_en=True)), fr=Count("pk", filter=_q(has_fr=True))
    )
    counts["language"] = [(lang, languages[lang]) for lang in ("en", "fr") if languages[lang]]
    return counts


def _q(**kwargs: Any) -> Any:
    from django.db.models import Q

    return Q(**kwargs)


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
    chosen = filtered(library_cases(user), filters)
    words = query_words(query, QUERY_WORDS)
    groups = [list(w.terms) for w in words]
    if groups:
        sql, params = fulltext.matching_sql(CASES, groups, require_all=False)
        matched = chosen.filter(pk__in=RawSQL(sql, params))  # type: ignore[arg-type]
    else:
        matched = chosen
    facets = facet_counts(matched)
    total = sum(count for _value, count in facets["size_band"])
    if groups and total:
        candidates = fulltext.search(
            CASES, groups, max(CANDIDATES, offset + limit), restrict_ids=chosen.order_by()
        )
        ranked = rerank([pk for pk, _score in candidates], groups)[offset : offset + limit]
    elif groups:
        ranked = []
    else:
        ids = list(
            matched.order_by("-published_at", "-pk").values_list("pk", flat=True)[
                offset : offset + limit
            ]
        )
        ranked = [(pk, 0.0) for pk in ids]
    by_id = CaseStudy.objects.select_related("city").in_bulk([pk for pk, _s in ranked])
    hits = [
        _hit(by_id[pk], score, words, language) for pk, score in ranked if pk in by_id
    ]
    return LibraryPage(hits=hits, total=total, facets=facets, words=[w.word for w in words])


def _hit(case: CaseStudy, score: float, words: list[Any], language: str) -> Hit:
    """Why ``case`` matched: the query's words it contains, and the fields they are in."""
    found_words: list[str] = []
    found_fields: list[str] = []
    if words:
        for name in _WHY_FIELDS:
            for lang in ("en", "fr"):
                text = getattr(case, f"{name}_{lang}")
                if not text:
                    continue
                terms = set(index_terms(text).split())
                hit = [w.word for w in words if terms.intersection(w.terms)]
                if hit:
                    found_fields.append(f"{name}_{lang}")
                    found_words += [w for w in hit if w not in found_words]
        extra = " ".join(
            [
                *(f"{e.get('title', '')} {e.get('body', '')}" for e in case.evidence or []),
                *(i.get("name", "") for i in case.indicators or []),
            ]
        )
        if extra:
            terms = set(index_terms(extra).split())
            hit = [w.word for w in words if terms.intersection(w.terms)]
            if hit:
                found_fields.append("evidence")
                found_words += [w for w in hit if w not in found_words]
        place = fold(f"{case.city.name} {case.region} {case.country}")
        if any(w.word in place.split() for w in words):
            found_fields.append("place")
            found_words += [w.word for w in words if w.word in place.split() and w.word not in found_words]
    title = case.title_in(language)
    shown_language = "fr" if (title and title == case.title_fr and title != case.title_en) else "en"
    if not case.title_en and case.title_fr:
        shown_language = "fr"
    ordered = [w.word for w in words if w.word in found_words] + [
        w for w in found_words if w not in {x.word for x in words}
    ]
    return Hit(
        case=case,
        score=score,
        language=shown_language,
        title=title,
        words=ordered,
        fields=found_fields,
    )
