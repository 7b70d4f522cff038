"""API shapes of case studies."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from civiclab.core.schemas import InputSchema, StrictId
from civiclab.exchange.models.cases import CASE_TEXT_LIMIT, CONTACTS_LIMIT, TITLE_LIMIT

CaseVisibility = Literal["network", "public"]


class CaseIn(InputSchema):
    solution: StrictId = Field(description="The solution the case is written from")
    visibility: CaseVisibility = Field("network", description="Who it will be shared with")


class CaseUpdate(InputSchema):
    title_en: str | None = Field(None, max_length=TITLE_LIMIT)
    title_fr: str | None = Field(None, max_length=TITLE_LIMIT)
    problem_en: str | None = Field(None, max_length=CASE_TEXT_LIMIT)
    problem_fr: str | None = Field(None, max_length=CASE_TEXT_LIMIT)
    approach_en: str | None = Field(None, max_length=CASE_TEXT_LIMIT)
    approach_fr: str | None = Field(None, max_length=CASE_TEXT_LIMIT)
    lessons_en: str | None = Field(None, max_length=CASE_TEXT_LIMIT)
    lessons_fr: str | None = Field(None, max_length=CASE_TEXT_LIMIT)
    contacts: str | None = Field(None, max_length=CONTACTS_LIMIT)
    visibility: CaseVisibility | None = None


class FrozenPoint(Schema):
    period: str | None
    value: float | None


class FrozenIndicator(Schema):
    id: int
    name: str
    unit: str = ""
    points: list[FrozenPoint]
    median: float | None = None
    signals: list[int] = []
    target: float | None = None
    target_date: str | None = None
    baseline: float | None = None
    latest: float | None = None
    status: str = ""
    frozen_at: str


class CaseOut(Schema):
    id: int
    solution: int | None
    city: str = Field(description="The city's slug")
    city_name: str
    state: Literal["draft", "published"]
    visibility: CaseVisibility
    languages: list[str]
    title_en: str
    title_fr: str
    problem_en: str
    problem_fr: str
    approach_en: str
    approach_fr: str
    lessons_en: str
    lessons_fr: str
    contacts: str
    evidence: list[dict[str, Any]]
    indicators: list[FrozenIndicator]
    evaluation: dict[str, Any]
    strength: str = Field(description="From the evaluation's result: strong … weak, or none")
    funding: list[dict[str, Any]]
    funding_source: str
    cost: Decimal | None
    currency: str
    timeline: list[dict[str, Any]]
    withheld: list[dict[str, Any]] = Field(description="what was left out, and why (the team's)")
    priority_area: str
    size_band: str
    country: str
    region: str
    stage: str
    published_at: datetime | None
    updated_at: datetime


def case_out(case: Any, reader: Any) -> dict[str, Any]:
    """The case as ``reader`` sees it: what was left out of it (titles of evidence kept within
    the city) is the team's to read, never another city's."""
    from civiclab.exchange.queries.cases import may_edit_case

    return {
        **{name: getattr(case, name) for name in CaseOut.model_fields if hasattr(case, name)},
        "solution": case.solution_id,
        "city": case.city.slug,
        "city_name": case.city.name,
        "languages": case.languages,
        "withheld": case.withheld if may_edit_case(reader, case) else [],
    }
