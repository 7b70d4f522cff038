"""Search the catalogue and match opportunities to a challenge or solution.

The interface the pages, the API, the CLI and the digests share (built in the search work):

- ``search(user, city, query, filters, limit=, offset=, only_ids=, today=)`` → ``SearchPage``
- ``match(user, challenge=, solution=, limit=, only_ids=, today=)`` → ``list[Match]``

``only_ids`` restricts either to some opportunities (the digest: those new or changed since
the last one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from civiclab.funding.catalogue.eligibility import Eligibility
from civiclab.funding.models import Opportunity


@dataclass
class SearchFilters:
    # "for_my_city": eligible or possible (the default); "eligible": eligible only; "all".
    eligibility: str = "for_my_city"
    # "open" (posted, not closed), "forecast", "closing" (open, closing within closing_within
    # days), "closed", or "" (open or forecast: the default).
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
    return SearchPage(hits=[], total=0, facets={})


def match(
    user: Any,
    challenge: Any = None,
    solution: Any = None,
    *,
    limit: int = 20,
    only_ids: set[int] | None = None,
    today: dt.date | None = None,
) -> list[Match]:
    return []
