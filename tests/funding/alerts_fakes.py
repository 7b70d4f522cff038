"""Stand-ins for the search interface (civiclab.funding.search), which the search work builds
in parallel: the alerts tests monkeypatch ``search`` and ``match`` with these, so what the
digest keeps is decided by them. The real ones replace them after the merge."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from civiclab.funding import search as finder
from civiclab.funding.catalogue.eligibility import Eligibility, Status
from civiclab.funding.models import Opportunity

ELIGIBLE = Eligibility(Status.ELIGIBLE, ())
INELIGIBLE = Eligibility(Status.INELIGIBLE, ())


def opportunity(title: str, **fields: Any) -> Opportunity:
    fields.setdefault("external_id", f"ext-{Opportunity.objects.count() + 1}-{title[:20]}")
    fields.setdefault("number", f"NUM-{Opportunity.objects.count() + 1}")
    return Opportunity.objects.create(title=title, **fields)


class FakeFinder:
    """``search`` finds opportunities whose title holds the query (all for an empty one),
    best first by ``scores`` (title → score, default 1); ``match`` finds those whose title
    holds "blight", scored by ``scores``; titles in ``ineligible`` are not eligible."""

    def __init__(self) -> None:
        self.scores: dict[str, float] = {}
        self.ineligible: set[str] = set()
        self.calls: list[dict[str, Any]] = []

    def _score(self, o: Opportunity) -> float:
        return self.scores.get(o.title, 1.0)

    def _eligibility(self, o: Opportunity) -> Eligibility:
        return INELIGIBLE if o.title in self.ineligible else ELIGIBLE

    def search(
        self,
        user: Any,
        city: Any,
        query: str,
        filters: finder.SearchFilters | None = None,
        *,
        limit: int = 20,
        offset: int = 0,
        only_ids: set[int] | None = None,
        today: dt.date | None = None,
    ) -> finder.SearchPage:
        self.calls.append({"kind": "search", "user": user, "city": city, "filters": filters})
        found = Opportunity.objects.all()
        if only_ids is not None:
            found = found.filter(pk__in=only_ids)
        hits = [
            finder.Hit(o, self._score(o), self._eligibility(o))
            for o in found
            if query.lower() in o.title.lower()
        ]
        hits.sort(key=lambda h: (-h.score, h.opportunity.pk))
        return finder.SearchPage(hits=hits[offset : offset + limit], total=len(hits), facets={})

    def match(
        self,
        user: Any,
        challenge: Any = None,
        solution: Any = None,
        *,
        limit: int = 20,
        only_ids: set[int] | None = None,
        today: dt.date | None = None,
    ) -> list[finder.Match]:
        self.calls.append({"kind": "match", "user": user, "challenge": challenge})
        found = Opportunity.objects.filter(title__icontains="blight")
        if only_ids is not None:
            found = found.filter(pk__in=only_ids)
        matches = [
            finder.Match(o, self._score(o), self._eligibility(o), ["blight"], None) for o in found
        ]
        matches.sort(key=lambda m: (-m.score, m.opportunity.pk))
        return matches[:limit]


def install(monkeypatch: pytest.MonkeyPatch) -> FakeFinder:
    """Put a FakeFinder in place of the search interface for one test."""
    fake = FakeFinder()
    monkeypatch.setattr(finder, "search", fake.search)
    monkeypatch.setattr(finder, "match", fake.match)
    return fake
