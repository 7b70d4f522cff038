"""cases routes: write a case from a solution, read it, edit it, publish it.

A case the caller may not see is a 404, like one that does not exist; one they may see but
not edit or publish is a 403. Publishing a published case is a 409."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from ninja import Router, Status

from civiclab.accounts.authentication import AUTH_OR_ANONYMOUS, ApiRequest
from civiclab.core.api import ERRORS, READ_ERRORS, ErrorResponse, Id
from civiclab.exchange.models import CaseStudy
from civiclab.exchange.queries.cases import cases_of_solution, visible_cases
from civiclab.exchange.schemas.cases import CaseIn, CaseOut, CaseUpdate, case_out
from civiclab.exchange.services import cases as services
from civiclab.portfolio.models import Solution
from civiclab.portfolio.queries import visible

router = Router(tags=["exchange"])
CASES = "/cases"
CASE = CASES + "/{case_id}"
WRITE_ERRORS = {**ERRORS, 409: ErrorResponse}


def _case(request: ApiRequest, case_id: int) -> CaseStudy:
    found = visible_cases(request.auth).filter(pk=case_id).first()
    if found is None:
        raise Http404
    return found


def _solution(request: ApiRequest, solution_id: int) -> Solution:
    found = (
        visible(Solution, request.auth)
        .select_related("city", "challenge")
        .filter(pk=solution_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


@router.post(
    CASES,
    response={201: CaseOut, **ERRORS},
    operation_id="create_case",
    summary="Write a case study from a solution (a draft)",
    description=(
        "Generated from the solution and its challenge: problem, evidence, approach, the "
        "indicators' series and goals, the evaluation's result and evidence strength, funding "
        "leveraged, cost, milestones. Only those who may edit the solution (`403`); a solution "
        "the caller may not see is a `404`."
    ),
)
def create_case(request: ApiRequest, payload: CaseIn, response: HttpResponse) -> Status:
    solution = _solution(request, payload.solution)
    case = services.generate_case(request.auth, solution, visibility=payload.visibility)
    response["Location"] = f"/api/v1/exchange{CASES}/{case.pk}"
    return Status(201, case_out(_case(request, case.pk), request.auth))


@router.get(
    CASE,
    response={200: CaseOut, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="get_case",
    summary="A case study",
)
def get_case(request: ApiRequest, case_id: Id) -> dict[str, Any]:
    return case_out(_case(request, case_id), request.auth)


@router.get(
    "/solutions/{solution_id}/cases",
    response={200: list[CaseOut], **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_solution_cases",
    summary="The case studies of a solution the caller may see",
)
def list_solution_cases(request: ApiRequest, solution_id: Id) -> list[dict[str, Any]]:
    solution = _solution(request, solution_id)
    return [
        case_out(case, request.auth) for case in cases_of_solution(request.auth, solution)[:100]
    ]


@router.patch(
    CASE,
    response={200: CaseOut, **ERRORS},
    operation_id="update_case",
    summary="Edit a case's text, contacts or visibility",
    description=(
        "The team (who may edit the solution) edits; changing a published case's visibility "
        "is publishing (city admins)."
    ),
)
def update_case(request: ApiRequest, case_id: Id, payload: CaseUpdate) -> dict[str, Any]:
    case = _case(request, case_id)
    services.update_case(request.auth, case, **payload.dict(exclude_unset=True))
    return case_out(_case(request, case_id), request.auth)


@router.post(
    CASE + "/publish",
    response={200: CaseOut, **WRITE_ERRORS},
    operation_id="publish_case",
    summary="Publish a case: its indicators frozen now, then listed in the library",
    description="City admins. A published case is a `409`.",
)
def publish_case(request: ApiRequest, case_id: Id) -> dict[str, Any]:
    case = _case(request, case_id)
    services.publish_case(request.auth, case)
    return case_out(_case(request, case_id), request.auth)
