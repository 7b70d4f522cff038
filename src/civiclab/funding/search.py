"""Search the catalogue and match opportunities to a challenge or solution.

The interface the pages, the API, the CLI and the digests share:

- ``search(user, city, query, filters, limit=, offset=, only_ids=, today=)`` → ``SearchPage``
- ``match(user, challenge=, solution=, limit=, only_ids=, today=)`` → ``list[Match]``

``only_ids`` restricts either to some opportunities (the digest: those new or changed since
the last one). Only opportunities ``user`` may see are searched (``queries.catalogue``).
Eligibility is read for ``city``'s funding profile (a city or township government when
``city`` is None). The full-text index and its terms: ``core.fulltext``, ``core.textprep``;
the ranking of matches: ``funding/matching.py``.
"""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from civiclab.core import fulltext
from civiclab.core.errors import DomainError
from civiclab.core.textprep import query_words
from civiclab.funding.catalogue.applicants import mask_of
from civiclab.funding.catalogue.eligibility import (
    Eligibility,
    Profile,
    Status,
    assess,
    profile_codes,
)
from civiclab.funding.catalogue.records import ACTIVITY_CATEGORIES, INSTRUMENTS
from civiclab.funding.catalogue.search_terms import CATEGORY_BIT, INSTRUMENT_BIT
from civiclab.funding.models import (
    FUNDER_TYPES,
    CatalogueImport,
    Opportunity,
    OpportunityChange,
)
from civiclab.funding.queries.catalogue import visible_opportunities
from civiclab.funding.queries.profile import profile_for
from civiclab.funding.search_index import OPPORTUNITIES

# Limits (docs/funding.md, "Limits").
QUERY_LIMIT = 200  # characters of a search
QUERY_WORDS = 12  # words of a search looked for (the others are ignored)
PAGE_LIMIT = 200  # results per page
OFFSET_LIMIT = 10_000  # how deep a search pages
CLOSING_LIMIT = 366  # "closing within N days"
FACET_VALUES = 20  # agencies listed in the agency facet
ELIGIBILITY_CHOICES = ("for_my_city", "eligible", "all")
STATUS_CHOICES = ("", "open", "forecast", "closing", "closed", "any")
FACETS = ("category", "agency", "instrument", "status", "eligibility")
# Up to this many matches in the whole catalogue, the filters are checked on the matches.
FEW_MATCHES = 1_000
# When more match, only the newest this many are ranked (docs/funding.md, "Scale").
RANKED_AT_MOST = 1_000
# The "closing soon" facet counts those closing within this many days (or the filter's N).
CLOSING_SOON = 30


class SearchError(DomainError):
    """A search the catalogue refuses (a limit passed, an unknown filter value)."""

    code = "invalid_search"


@dataclass
class SearchFilters:
    # "for_my_city": eligible or possible (the default); "eligible": eligible only; "all".
    eligibility: str = "for_my_city"
    # "open" (posted, not closed), "forecast", "closing" (open, closing within closing_within
    # days), "closed", "any", or "" (open or forecast: the default).
    status: str = ""
    closing_within: int | None = None
    categories: list[str] = field(default_factory=list)  # ACTIVITY_CATEGORIES keys, e.g. IIJ
    agencies: list[str] = field(default_factory=list)  # agency codes
    instruments: list[str] = field(default_factory=list)  # INSTRUMENTS keys
    funder_types: list[str] = field(default_factory=list)
    min_ceiling: int | None = None
    max_ceiling: int | None = None
    cost_sharing: bool | None = None


@dataclass
class Hit:
    opportunity: Opportunity
    score: float
    eligibility: Eligibility
    matched_terms: list[str] = field(default_factory=list)
    days_left: int | None = None


@dataclass
class SearchPage:
    hits: list[Hit]
    total: int
    facets: dict[str, list[tuple[str, str, int]]]  # facet → [(value, label, count)]


@dataclass
class Match:
    opportunity: Opportunity
    score: float
    eligibility: Eligibility
    why: list[str]  # matching terms, passages, categories — in the reader's language
    days_left: int | None
    terms: list[str] = field(default_factory=list)  # the challenge's words it contains
    passage: str = ""  # where they occur in the opportunity
    categories: list[str] = field(default_factory=list)  # shared with the priority area
    forecast: bool = False  # not posted yet: its dates are expected ones
    in_pipeline: bool = False  # the city has an application for it (not withdrawn)


def check_request(query: str, filters: SearchFilters, limit: int, offset: int) -> None:
    """Refuse a search beyond the limits, with the limit named."""
    if len(query) > QUERY_LIMIT:
        raise SearchError(
            _("A search holds at most %(limit)d characters.") % {"limit": QUERY_LIMIT}
        )
    if not 1 <= limit <= PAGE_LIMIT:
        raise SearchError(_("Ask for 1 to %(limit)d results.") % {"limit": PAGE_LIMIT})
    if not 0 <= offset <= OFFSET_LIMIT:
        raise SearchError(_("The offset is at most %(limit)d.") % {"limit": OFFSET_LIMIT})
    if filters.eligibility not in ELIGIBILITY_CHOICES:
        raise SearchError(
            _("Unknown eligibility filter: %(value)s.") % {"value": filters.eligibility}
        )
    if filters.status not in STATUS_CHOICES:
        raise SearchError(_("Unknown status filter: %(value)s.") % {"value": filters.status})
    if filters.closing_within is not None and not 0 <= filters.closing_within <= CLOSING_LIMIT:
        raise SearchError(_("“Closing within” is 0 to %(limit)d days.") % {"limit": CLOSING_LIMIT})
    unknown = (
        [c for c in filters.categories if c not in ACTIVITY_CATEGORIES]
        + [i for i in filters.instruments if i not in INSTRUMENTS]
        + [f for f in filters.funder_types if f not in dict(FUNDER_TYPES)]
    )
    if unknown:
        raise SearchError(_("Unknown filter values: %(values)s.") % {"values": ", ".join(unknown)})
    if len(filters.agencies) > 50 or any(len(a) > 100 for a in filters.agencies):
        raise SearchError(_("At most 50 agencies, of at most 100 characters each."))
    for bound in (filters.min_ceiling, filters.max_ceiling):
        if bound is not None and not 0 <= bound <= 10**15:
            raise SearchError(_("An award ceiling is between 0 and 10¹⁵."))


# -- the filters as SQL ---------------------------------------------------------------------


def eligibility_masks(profile: Profile) -> tuple[int, int]:
    """The applicant-code masks that make an opportunity eligible, and possible."""
    eligible, possible = profile_codes(profile)
    return mask_of(sorted(eligible)), mask_of(sorted(possible))


def filtered(
    opportunities: QuerySet[Opportunity],
    filters: SearchFilters,
    profile: Profile,
    today: dt.date,
) -> QuerySet[Opportunity]:
    """``opportunities`` narrowed by ``filters`` (eligibility through the applicant mask: an
    opportunity listing no applicant type is "possible")."""
    eligible_bits, possible_bits = eligibility_masks(profile)
    qs = opportunities.alias(
        eligible_bits=F("applicant_mask").bitand(eligible_bits),
        possible_bits=F("applicant_mask").bitand(possible_bits),
    )
    if filters.eligibility != "all" and profile.country:
        # A fund for another country's applicants is not eligible, whatever its types say.
        qs = qs.filter(country=profile.country.upper())
    if filters.eligibility == "eligible":
        qs = qs.filter(eligible_bits__gt=0)
    elif filters.eligibility == "for_my_city":
        qs = qs.filter(Q(eligible_bits__gt=0) | Q(possible_bits__gt=0) | Q(applicant_mask=0))
    qs = qs.filter(status_q(filters.status, filters.closing_within, today))
    if filters.categories:
        bits = sum(CATEGORY_BIT[c] for c in set(filters.categories))
        qs = qs.alias(category_bits=F("activity_mask").bitand(bits)).filter(category_bits__gt=0)
    if filters.instruments:
        bits = sum(INSTRUMENT_BIT[i] for i in set(filters.instruments))
        qs = qs.alias(instrument_bits=F("instrument_mask").bitand(bits)).filter(
            instrument_bits__gt=0
        )
    if filters.agencies:
        qs = qs.filter(agency_code__in=sorted(set(filters.agencies)))
    if filters.funder_types:
        qs = qs.filter(funder_type__in=sorted(set(filters.funder_types)))
    if filters.min_ceiling is not None:
        qs = qs.filter(award_ceiling__gte=filters.min_ceiling)
    if filters.max_ceiling is not None:
        qs = qs.filter(award_ceiling__lte=filters.max_ceiling)
    if filters.cost_sharing is not None:
        qs = qs.filter(cost_sharing=filters.cost_sharing)
    return qs


def status_q(status: str, closing_within: int | None, today: dt.date) -> Q:
    """Open: posted, closing today or later (or no deadline); forecast: not posted yet;
    closed: its deadline passed; "" (the default): open or forecast."""
    not_closed = Q(open_until__gte=today)
    open_now = Q(doc_type="synopsis") & not_closed
    if status == "open":
        return open_now
    if status == "forecast":
        return Q(doc_type="forecast")
    if status == "closing":
        days = CLOSING_SOON if closing_within is None else closing_within
        return Q(doc_type="synopsis", open_until__gte=today) & Q(
            open_until__lte=today + dt.timedelta(days=days)
        )
    if status == "closed":
        return Q(doc_type="synopsis", open_until__lt=today)
    if status == "any":
        return Q()
    # Open or forecast. A forecast's deadline is an expected one (estimated_close_date), so
    # this is "no deadline, or one still ahead": one range of the filters' index.
    return not_closed


# -- search ---------------------------------------------------------------------------------


def search(
    user: Any,
    city: Any,
    query: str,
    filters: SearchFilters | None = None,
    *,
    limit: int = 20,
    offset: int = 0,
    only_ids: set[int] | None = None,
    today: dt.date | None = None,
) -> SearchPage:
    """One page of the opportunities ``user`` sees that match ``query`` (every word, in any
    form: accents, case and inflections are ignored) and ``filters``, best first — or, without
    a query, soonest deadline first — with the facets of all the matches."""
    filters = filters or SearchFilters()
    query = query.strip()
    check_request(query, filters, limit, offset)
    with fulltext.index_scans() if query else nullcontext():
        return _search_page(
            user, city, query, filters, limit, offset, only_ids, today or timezone.localdate()
        )


def _search_page(
    user: Any,
    city: Any,
    query: str,
    filters: SearchFilters,
    limit: int,
    offset: int,
    only_ids: set[int] | None,
    today: dt.date,
) -> SearchPage:
    profile = profile_for(city)
    base = visible_opportunities(user)
    if only_ids is not None:
        base = base.filter(pk__in=sorted(only_ids))
    chosen = filtered(base, filters, profile, today)
    words = query_words(query, QUERY_WORDS)
    groups = [w.terms for w in words]
    if groups:
        few = fulltext.matching_ids(OPPORTUNITIES, groups, FEW_MATCHES, require_all=True)
        if few == []:
            return SearchPage(hits=[], total=0, facets={name: [] for name in FACETS})
        if few is not None:
            # Few match in the whole catalogue (a rare word): the filters are checked on
            # those rows by primary key, rather than every candidate read from the filters'
            # index and looked up in the full-text index.
            matched = chosen.filter(pk__in=few)
        else:
            sql, params = fulltext.matching_sql(OPPORTUNITIES, groups, require_all=True)
            matched = chosen.filter(pk__in=RawSQL(sql, params))  # type: ignore[arg-type]
    else:
        matched = chosen
    # With words, the same statement as the facets hands back the newest matches, which are
    # the ones ranked (all of them when fewer match): the matches are found once, not twice.
    facets, total, newest = facet_counts(
        matched,
        profile,
        today,
        filters.closing_within,
        newest=max(RANKED_AT_MOST, offset + limit) if groups else 0,
    )
    if groups and total:
        ranked = fulltext.search(
            OPPORTUNITIES, groups, offset + limit, restrict_ids=newest, require_all=True
        )[offset:]
        by_id = Opportunity.objects.in_bulk([i for i, _score in ranked])
        scored = [(by_id[i], score) for i, score in ranked if i in by_id]
    elif groups:
        scored = []
    else:
        order: list[Any] = (
            [F("open_until").desc(), "-pk"]
            if filters.status == "closed"
            # open_until leads the filters' covering index: the page is read from it in order.
            else ["open_until", "pk"]
        )
        # The page's ids first (read from the filters' index), then its rows.
        page_ids = list(
            matched.order_by(*order).values_list("pk", flat=True)[offset : offset + limit]
        )
        by_id = Opportunity.objects.in_bulk(page_ids)
        scored = [(by_id[i], 0.0) for i in page_ids if i in by_id]
    terms_of = fulltext.matched_terms(
        OPPORTUNITIES, [o.pk for o, _s in scored], [t for g in groups for t in g]
    )
    hits = []
    for opportunity, score in scored:
        terms = terms_of.get(opportunity.pk, set())
        hits.append(
            Hit(
                opportunity=opportunity,
                score=round(score, 6),
                eligibility=assess(opportunity.applicant_codes, profile, opportunity.country),
                matched_terms=[w.word for w in words if terms.intersection(w.terms)],
                days_left=days_left(opportunity, today),
            )
        )
    return SearchPage(hits=hits, total=total, facets=facets)


def days_left(opportunity: Opportunity, today: dt.date) -> int | None:
    deadline = opportunity.close_date or opportunity.estimated_close_date
    return (deadline - today).days if deadline else None


def facet_counts(
    matched: QuerySet[Opportunity],
    profile: Profile,
    today: dt.date,
    closing_within: int | None = None,
    *,
    newest: int = 0,
) -> tuple[dict[str, list[tuple[str, str, int]]], int, list[int]]:
    """Counts of the matches by category, instrument, status and eligibility (one scan), and
    by agency (the most frequent); how many matched; and the ids of the ``newest`` matches
    (the highest ids), newest first."""
    from civiclab.funding.labels import STATUS_LABELS

    eligible_bits, possible_bits = eligibility_masks(profile)
    # The filters' columns of the matches, read once from the covering index (MATERIALIZED:
    # otherwise the planner may group by the agency index and read every row), counted per
    # agency in one statement; the other facets are the sums of the agencies' counts.
    inner, params = (
        matched.order_by()
        .values(
            "id",
            "agency_code",
            "applicant_mask",
            "activity_mask",
            "instrument_mask",
            "doc_type",
            "open_until",
        )
        .query.sql_with_params()
    )
    soon = today + dt.timedelta(days=CLOSING_SOON if closing_within is None else closing_within)
    sums: list[tuple[str, str, str]] = []
    for code, bit in CATEGORY_BIT.items():
        sums.append(("category", code, f"(activity_mask & {bit}) <> 0"))
    for code, bit in INSTRUMENT_BIT.items():
        sums.append(("instrument", code, f"(instrument_mask & {bit}) <> 0"))
    sums += [
        ("status", "forecast", "doc_type = 'forecast'"),
        ("status", "open", "doc_type = 'synopsis' AND open_until >= %s"),
        ("status", "closing", "doc_type = 'synopsis' AND open_until >= %s AND open_until <= %s"),
        ("status", "closed", "doc_type = 'synopsis' AND open_until < %s"),
        ("eligibility", "eligible", f"(applicant_mask & {eligible_bits}) <> 0"),
        (
            "eligibility",
            "possible",
            f"(applicant_mask & {eligible_bits}) = 0 AND ((applicant_mask & {possible_bits}) "
            "<> 0 OR applicant_mask = 0)",
        ),
        (
            "eligibility",
            "ineligible",
            f"(applicant_mask & {eligible_bits}) = 0 AND (applicant_mask & {possible_bits}) = 0 "
            "AND applicant_mask <> 0",
        ),
    ]
    sql_params = [today, today, soon, today]
    columns = ", ".join(f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)" for _f, _v, cond in sums)
    # One more row, marked 1, holds the newest ids as text ("9,7,4"): a row of the same
    # statement on both databases, rather than a second statement finding the matches again.
    ids = (
        "string_agg(id::text, ',' ORDER BY id DESC)"
        if connection.vendor == "postgresql"
        else "group_concat(id, ',')"
    )
    newest_row = (
        f" UNION ALL SELECT 1, NULL, 0, {', '.join(['0'] * len(sums))}, "
        f"(SELECT {ids} FROM (SELECT id FROM matched ORDER BY id DESC LIMIT {int(newest)}) t)"
        if newest
        else ""
    )
    sql = (
        f"WITH matched AS MATERIALIZED ({inner}) "
        f"SELECT 0, agency_code, COUNT(*), {columns}, NULL FROM matched GROUP BY agency_code"
        f"{newest_row}"
    )
    all_params = (*params, *sql_params)
    key = (sql, all_params, catalogue_version())
    kept = _FACET_COUNTS.get(key)
    if kept is None:
        with connection.cursor() as cursor:
            cursor.execute(sql, all_params)
            rows = cursor.fetchall()
        kept = (
            [tuple(r[1:-1]) for r in rows if r[0] == 0],
            [int(i) for r in rows if r[0] == 1 and r[-1] for i in str(r[-1]).split(",")],
        )
        if sum(int(agency_row[1]) for agency_row in kept[0]) >= FACET_CACHE_FROM:
            if len(_FACET_COUNTS) >= FACET_CACHE_SIZE:
                _FACET_COUNTS.pop(next(iter(_FACET_COUNTS)))
            _FACET_COUNTS[key] = kept
    by_agency, newest_ids = kept
    row = [0] * (len(sums) + 1)
    for agency_row in by_agency:
        for position, value in enumerate(agency_row[1:]):
            row[position] += int(value or 0)
    total = row[0]
    labels = {
        "category": ACTIVITY_CATEGORIES,
        "instrument": INSTRUMENTS,
        "status": {
            "open": _("Open"),
            "closing": _("Closing soon"),
            "forecast": _("Forecast"),
            "closed": _("Closed"),
        },
        "eligibility": {s.value: str(STATUS_LABELS[s]) for s in Status},
    }
    facets: dict[str, list[tuple[str, str, int]]] = {name: [] for name in FACETS}
    for (facet, value, _cond), count in zip(sums, row[1:], strict=True):
        if count:
            label = labels[facet][value]
            facets[facet].append((value, _(label) if facet != "eligibility" else label, int(count)))
    facets["category"].sort(key=lambda item: -item[2])
    agencies = sorted(
        ((str(r[0]), int(r[1])) for r in by_agency if r[0]), key=lambda item: (-item[1], item[0])
    )[:FACET_VALUES]
    if agencies:
        names = agency_names([code for code, _n in agencies])
        facets["agency"] = [(code, names[code], n) for code, n in agencies]
    return facets, total, newest_ids


# Facet counts by (their statement, its parameters, catalogue version), per process. Counting
# the facets of a listing without words reads every row it lists (75,000 for "closed" or
# "any": 60 ms and more), yet the catalogue changes only when a file is imported or a fund
# entered by hand, and the statement holds what else decides the counts (the reader's visible
# networks, the city's eligibility masks, the filters, the words, today's date). Only counts
# over FACET_CACHE_FROM matches or more are kept (fewer are counted in a few milliseconds);
# the oldest entry makes room for a new one.
FACET_CACHE_SIZE = 500
FACET_CACHE_FROM = 5_000
_FACET_COUNTS: dict[tuple[Any, ...], tuple[list[tuple[Any, ...]], list[int]]] = {}


def catalogue_version() -> tuple[Any, ...]:
    """What changes whenever the catalogue does, read in one statement of primary-key
    lookups: the latest successful import (its writes commit before it is marked succeeded),
    the latest opportunity, and the latest recorded change (a fund entered or edited by hand
    records one: ``services.catalogue``)."""
    imports = CatalogueImport._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(id) FROM {imports} WHERE status = 'succeeded'), "
            f"(SELECT MAX(id) FROM {Opportunity._meta.db_table}), "
            f"(SELECT MAX(id) FROM {OpportunityChange._meta.db_table})"
        )
        return tuple(cursor.fetchone())


# agency code → name: looked up once per process (an agency's name hardly ever changes, and
# reading the names of every match would read their rows).
_AGENCY_NAMES: dict[str, str] = {}


def agency_names(codes: list[str]) -> dict[str, str]:
    missing = [code for code in codes if code not in _AGENCY_NAMES]
    for code in missing:
        _AGENCY_NAMES[code] = next(
            iter(
                Opportunity.objects.filter(agency_code=code)
                .exclude(agency_name="")
                .order_by()
                .values_list("agency_name", flat=True)[:1]
            ),
            code,
        )
    return {code: _AGENCY_NAMES[code] for code in codes}


def match(
    user: Any,
    challenge: Any = None,
    solution: Any = None,
    *,
    limit: int = 20,
    only_ids: set[int] | None = None,
    today: dt.date | None = None,
) -> list[Match]:
    """Opportunities for a challenge or a solution, best first, each with why (see
    ``funding/matching.py``). The caller has checked that ``user`` may see it."""
    from civiclab.funding.matching import rank_matches

    if not 1 <= limit <= PAGE_LIMIT:
        raise SearchError(_("Ask for 1 to %(limit)d results.") % {"limit": PAGE_LIMIT})
    if challenge is None and solution is None:
        raise SearchError(_("Match a challenge or a solution."))
    with fulltext.index_scans():
        return rank_matches(
            user,
            challenge=challenge if solution is None else solution.challenge,
            solution=solution,
            limit=limit,
            only_ids=only_ids,
            today=today or timezone.localdate(),
        )
