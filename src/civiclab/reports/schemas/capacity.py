"""The capacity self-assessment as the API receives and returns it."""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Field, Schema

from civiclab.core.schemas import InputSchema
from civiclab.reports.models.capacity import (
    ELEMENT_CHOICES,
    ELEMENT_HELP,
    LEVEL_NAMES,
    LEVELS,
    LINK_LENGTH,
    LINKS_LIMIT,
    NOTES_LIMIT,
)
from civiclab.reports.rules.capacity import SCORE_MAX, SCORE_MIN, Comparison


class ElementIn(InputSchema):
    element: Annotated[str, Field(max_length=32)]
    score: Annotated[int, Field(ge=SCORE_MIN, le=SCORE_MAX)]
    notes: Annotated[str, Field(max_length=NOTES_LIMIT)] = ""
    links: Annotated[
        list[Annotated[str, Field(max_length=LINK_LENGTH)]], Field(max_length=LINKS_LIMIT)
    ] = []


class AssessmentIn(InputSchema):
    scores: Annotated[list[ElementIn], Field(max_length=7)]


class LevelOut(Schema):
    score: int
    name: str
    description: str


class ElementOut(Schema):
    code: str
    label: str
    help: str
    levels: list[LevelOut]


class CapacityScoreOut(Schema):
    element: str
    score: int
    notes: str
    links: list[str]


class CapacityComparisonOut(Schema):
    cities: int
    withheld: bool
    min_cities: int
    median: dict[str, float] | None
    percentile: dict[str, int] | None
    overall_percentile: int | None
    overall_median: float | None


class AssessmentOut(Schema):
    city: str
    year: int
    submitted_at: str | None
    scores: list[CapacityScoreOut]
    comparison: CapacityComparisonOut


class YearOut(Schema):
    year: int
    scores: dict[str, int]
    overall: float


class SubmissionOut(Schema):
    city: str
    city_name: str
    submitted_at: str | None


def elements_out() -> list[dict[str, Any]]:
    return [
        {
            "code": code,
            "label": str(label),
            "help": str(ELEMENT_HELP[code]),
            "levels": [
                {"score": n, "name": str(LEVEL_NAMES[n]), "description": str(LEVELS[code][n])}
                for n in sorted(LEVEL_NAMES)
            ],
        }
        for code, label in ELEMENT_CHOICES
    ]


def comparison_out(compared: Comparison, min_cities: int) -> dict[str, Any]:
    return {
        "cities": compared.cities,
        "withheld": compared.withheld,
        "min_cities": min_cities,
        "median": compared.median,
        "percentile": compared.percentile,
        "overall_percentile": compared.overall_percentile,
        "overall_median": compared.overall_median,
    }


def assessment_out(assessment: Any, compared: Comparison, min_cities: int) -> dict[str, Any]:
    return {
        "city": assessment.city.slug,
        "year": assessment.year,
        "submitted_at": assessment.submitted_at.isoformat() if assessment.submitted_at else None,
        "scores": [
            {"element": s.element, "score": s.score, "notes": s.notes, "links": s.links}
            for s in assessment.scores.all()
        ],
        "comparison": comparison_out(compared, min_cities),
    }
