"""capacity: the capacity self-assessment under /api/v1/reports/capacity/."""

from __future__ import annotations

from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Router, Status

from civiclab.accounts.authentication import AUTH_OR_ANONYMOUS, ApiRequest
from civiclab.core.api import ERRORS, READ_ERRORS
from civiclab.network.models import City
from civiclab.network.queries import visible_cities
from civiclab.reports.queries import capacity as queries
from civiclab.reports.rules.capacity import MIN_CITIES
from civiclab.reports.schemas.capacity import (
    AssessmentIn,
    AssessmentOut,
    ElementOut,
    SubmissionOut,
    YearOut,
    assessment_out,
    elements_out,
)
from civiclab.reports.services import capacity as services

router = Router(tags=["reports"])

Year = Annotated[int, Field(ge=services.YEAR_MIN, le=services.YEAR_MAX, description="A year")]


def _city(user: Any, slug: str) -> City:
    city = visible_cities(user).filter(slug=slug).first()
    if city is None or not queries.may_view(user, city):
        raise Http404
    return city


@router.get(
    "/capacity/elements",
    response={200: list[ElementOut], **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_reports_capacity_elements",
    summary="The seven elements of innovation capacity and what each score means",
)
def list_elements(request: ApiRequest) -> Any:
    return elements_out()


@router.get(
    "/capacity/cities/{slug}",
    response={200: list[YearOut], **READ_ERRORS},
    operation_id="get_reports_capacity_history",
    summary="A city's capacity scores by year (its people and the network's admins)",
)
def get_history(request: ApiRequest, slug: str) -> Any:
    return queries.history(request.auth, _city(request.auth, slug))


@router.get(
    "/capacity/cities/{slug}/{year}",
    response={200: AssessmentOut, **READ_ERRORS},
    operation_id="get_reports_capacity_assessment",
    summary="A city's assessment for a year, and where it stands in the network",
)
def get_assessment(request: ApiRequest, slug: str, year: Year) -> Any:
    city = _city(request.auth, slug)
    assessment = queries.visible_assessments(request.auth).filter(city=city, year=year).first()
    if assessment is None:
        raise Http404
    return assessment_out(assessment, queries.comparison(assessment), MIN_CITIES)


@router.put(
    "/capacity/cities/{slug}/{year}",
    response={200: AssessmentOut, **ERRORS},
    operation_id="save_reports_capacity_assessment",
    summary="Fill in or change the city's assessment for the current year (every element)",
)
def save_assessment(request: ApiRequest, slug: str, year: Year, payload: AssessmentIn) -> Any:
    city = _city(request.auth, slug)
    answers: dict[str, services.ElementAnswer] = {}
    for item in payload.scores:
        if item.element in answers:
            raise ValidationError({"scores": [f"{item.element} is given twice."]})
        answers[item.element] = services.ElementAnswer(item.score, item.notes, list(item.links))
    assessment = services.save_assessment(request.auth, city, year, answers)
    fresh = queries.visible_assessments(request.auth).get(pk=assessment.pk)
    return Status(200, assessment_out(fresh, queries.comparison(fresh), MIN_CITIES))


@router.get(
    "/capacity/submissions/{year}",
    response={200: list[SubmissionOut], **READ_ERRORS},
    operation_id="list_reports_capacity_submissions",
    summary="Which cities of the networks you administer submitted that year",
)
def list_submissions(request: ApiRequest, year: Year) -> Any:
    return [
        {
            "city": s.city.slug,
            "city_name": s.city.name,
            "submitted_at": s.assessment.submitted_at.isoformat()
            if s.assessment and s.assessment.submitted_at
            else None,
        }
        for s in queries.overview(request.auth, year)
    ]
