"""public: the API's shapes of a city's and a solution's public results (the same documents
as the JSON exports, ``services.public.city_document`` and ``solution_document``)."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class FundingOut(Schema):
    currency: str
    awarded: str
    match: str
    awards: int


class PublicCityRef(Schema):
    slug: str
    name: str
    language: str


class KeyIndicatorOut(Schema):
    name: str
    slug: str
    unit: str
    baseline: float | None
    latest: float | None
    target: float | None
    target_date: str | None
    progress_percent: float | None
    freshness: str


class PublicSolutionRow(Schema):
    id: int
    title: str
    goal: str
    status: str
    status_label: str
    url: str
    updated_at: str | None
    key_indicator: KeyIndicatorOut | None


class PublicCityOut(Schema):
    city: PublicCityRef
    funding_leveraged: list[FundingOut]
    solutions: list[PublicSolutionRow]


class SeriesPoint(Schema):
    period: str | None
    value: float | None
    n: int


class PublicIndicatorOut(Schema):
    name: str
    slug: str
    unit: str
    lower_is_better: bool
    target: float | None
    target_date: str | None
    baseline: float | None
    latest: float | None
    progress_percent: float | None
    freshness: str
    series: list[SeriesPoint]
    equity: list[dict[str, Any]]


class PublicSolutionSummary(Schema):
    id: int
    city: str
    title: str
    goal: str
    status: str
    budget_planned: str | None
    budget_spent: str | None
    currency: str
    updated_at: str | None


class PublicResultOut(Schema):
    title: str
    text: list[str]


class PublicSolutionOut(Schema):
    solution: PublicSolutionSummary
    indicators: list[PublicIndicatorOut]
    results: list[PublicResultOut]
    funding_leveraged: list[FundingOut]
