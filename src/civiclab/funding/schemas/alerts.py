"""Saved searches, followed challenges and digest items as the API reads and returns them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema
from pydantic import StrictBool

from civiclab.core.schemas import InputSchema, StrictId
from civiclab.funding.services.alerts import NAME_LIMIT, QUERY_LIMIT


class SavedSearchOut(Schema):
    id: int
    name: str
    city: str = Field(description="The slug of the city the search applies eligibility for")
    query: str
    filters: dict[str, Any] = Field(
        description="SearchFilters' fields that differ from the default"
    )
    challenge: int | None = Field(None, description="The followed challenge's id, if any")
    alerts: bool
    email: bool
    last_digest_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_city(obj: Any) -> str:
        return str(obj.city.slug)

    @staticmethod
    def resolve_challenge(obj: Any) -> int | None:
        return obj.challenge_id  # type: ignore[no-any-return]


class SavedSearchCreate(InputSchema):
    """A search (``query`` and ``filters``) or a challenge to follow (``challenge``)."""

    name: str = Field("", max_length=NAME_LIMIT, description="Required for a search")
    city: str | None = Field(
        None, max_length=100, description="The city's slug (default: your first city)"
    )
    query: str = Field("", max_length=QUERY_LIMIT)
    filters: dict[str, Any] = Field(
        default_factory=dict,
        description="SearchFilters' fields: eligibility, status, closing_within, categories, "
        "agencies, instruments, funder_types, min_ceiling, max_ceiling, cost_sharing",
    )
    challenge: StrictId | None = Field(None, description="Follow this challenge's matches")
    alerts: StrictBool = True
    email: StrictBool = True


class SavedSearchUpdate(InputSchema):
    name: str | None = Field(None, max_length=NAME_LIMIT)
    query: str | None = Field(None, max_length=QUERY_LIMIT)
    filters: dict[str, Any] | None = None
    alerts: StrictBool | None = None
    email: StrictBool | None = None


class DigestOpportunity(Schema):
    id: int
    number: str
    title: str
    close_date: dt.date | None


class DigestItemOut(Schema):
    id: int
    search: int
    search_name: str
    kind: str = Field(description="new or changed")
    summary: str
    opportunity: DigestOpportunity
    created_at: dt.datetime
    emailed_at: dt.datetime | None

    @staticmethod
    def resolve_search(obj: Any) -> int:
        return obj.search_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_search_name(obj: Any) -> str:
        return str(obj.search.name)
