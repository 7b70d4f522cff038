"""search schemas: a search result and a match as the API and the CLI's --json give them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from civiclab.core.api import Id
from civiclab.core.schemas import InputSchema
from civiclab.funding.labels import reasons_text
from civiclab.funding.models import DISMISS_REASONS
from civiclab.funding.search import Hit, Match, SearchPage


class OpportunityResult(Schema):
    id: int = Field(description="civiclab's id of the opportunity (its page)")
    opportunity_id: str = Field(description="Grants.gov's OpportunityID (manual-<id> by hand)")
    number: str
    title: str
    agency: str
    close_date: dt.date | None
    days_left: int | None
    doc_type: str
    award_ceiling: int | None
    eligibility: str = Field(description="eligible, possible or ineligible")
    reasons: list[str]
    score: float
    matched_terms: list[str]


class Facet(Schema):
    value: str
    label: str
    count: int


class SearchResults(Schema):
    total: int
    limit: int
    offset: int
    items: list[OpportunityResult]
    facets: dict[str, list[Facet]]


class MatchResult(OpportunityResult):
    why: list[str]
    passage: str
    categories: list[str]
    forecast: bool
    in_pipeline: bool


class PeerChallenge(Schema):
    id: int
    title: str


class PeerCity(Schema):
    city: str
    city_name: str
    same_priority_area: bool
    shared_words: list[str]
    challenges: list[PeerChallenge]


class Matches(Schema):
    items: list[MatchResult]
    peers: list[PeerCity]


class DismissalIn(InputSchema):
    opportunity_id: Id = Field(description="civiclab's id of the opportunity")
    reason: str = Field(description="one of: " + ", ".join(key for key, _label in DISMISS_REASONS))
    note: str = Field("", max_length=2_000)
    solution_id: Id | None = Field(None, description="dismiss from this solution's matches")


class DismissalOut(Schema):
    id: int
    challenge_id: int
    solution_id: int | None
    opportunity_id: int
    reason: str
    note: str
    at: dt.datetime


def result_of(hit: Hit | Match) -> dict[str, Any]:
    """One result as the CLI's --json and the API give it."""
    opportunity = hit.opportunity
    return {
        "id": opportunity.pk,
        "opportunity_id": opportunity.external_id,
        "number": opportunity.number,
        "title": opportunity.title,
        "agency": opportunity.agency_name or opportunity.agency_code,
        "close_date": opportunity.close_date,
        "days_left": hit.days_left,
        "doc_type": opportunity.doc_type,
        "award_ceiling": opportunity.award_ceiling,
        "eligibility": hit.eligibility.status.value,
        "reasons": reasons_text(hit.eligibility),
        "score": hit.score,
        "matched_terms": hit.matched_terms if isinstance(hit, Hit) else hit.terms,
    }


def match_of(found: Match) -> dict[str, Any]:
    return {
        **result_of(found),
        "why": found.why,
        "passage": found.passage,
        "categories": found.categories,
        "forecast": found.forecast,
        "in_pipeline": found.in_pipeline,
    }


def page_of(page: SearchPage, limit: int, offset: int) -> dict[str, Any]:
    return {
        "total": page.total,
        "limit": limit,
        "offset": offset,
        "items": [result_of(hit) for hit in page.hits],
        "facets": {
            name: [{"value": v, "label": label, "count": n} for v, label, n in values]
            for name, values in page.facets.items()
        },
    }


def peers_of(found: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "city": peer.city.slug,
            "city_name": peer.city.name,
            "same_priority_area": peer.same_area,
            "shared_words": peer.shared_words,
            "challenges": [{"id": c.pk, "title": c.title} for c in peer.challenges],
        }
        for peer in found
    ]
