"""search routes (see funding/api/__init__.py): the catalogue searched, a challenge's or a
solution's matches, dismissals.

A challenge's (or solution's) matches and dismissals are found through
``portfolio.queries.visible``: one the caller may not see is a 404, exactly like one that does
not exist; dismissing is editing the challenge (403 for who may see it but not edit it)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from civiclab.accounts.authentication import AUTH_OR_ANONYMOUS, ApiRequest
from civiclab.core.api import ERRORS, READ_ERRORS, Id
from civiclab.funding import search as catalogue_search
from civiclab.funding.queries.catalogue import visible_opportunities
from civiclab.funding.queries.profile import home_city
from civiclab.funding.queries.search import (
    challenge_for,
    dismissals_for,
    peers,
    solution_for,
)
from civiclab.funding.schemas.search import (
    DismissalIn,
    DismissalOut,
    Matches,
    SearchResults,
    match_of,
    page_of,
    peers_of,
)
from civiclab.funding.services import dismissals
from civiclab.network.queries import visible_cities

router = Router(tags=["funding"])


class OpportunityFilters(Schema):
    q: str = Field("", max_length=catalogue_search.QUERY_LIMIT, description="words to find")
    city: str | None = Field(
        None, description="eligibility for this city (slug); default: your own city"
    )
    eligibility: str | None = Field(
        None, description="for_my_city (default with a city), eligible, all (default without)"
    )
    status: str = Field(
        "", description="open, forecast, closing, closed, any; default: open or forecast"
    )
    closing_within: int | None = Field(None, ge=0, le=366, description="days, with status=closing")
    category: list[str] = Field([], description="CategoryOfFundingActivity codes, e.g. IIJ")
    agency: list[str] = Field([], description="agency codes")
    instrument: list[str] = Field([], description="G, CA, PC, O")
    funder_type: list[str] = Field([])
    min_ceiling: int | None = Field(None, ge=0, le=10**15)
    max_ceiling: int | None = Field(None, ge=0, le=10**15)
    cost_sharing: bool | None = None
    limit: int = Field(20, ge=1, le=catalogue_search.PAGE_LIMIT)
    offset: int = Field(0, ge=0, le=catalogue_search.OFFSET_LIMIT)


@router.get(
    "/opportunities",
    response={200: SearchResults, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="search_opportunities",
    summary="Search the catalogue, with facets and each opportunity's eligibility",
)
def search_opportunities(request: ApiRequest, filters: Query[OpportunityFilters]) -> Any:
    city: Any
    if filters.city:
        city = get_object_or_404(visible_cities(request.auth), slug=filters.city)
    else:
        city = home_city(request.auth)
    chosen = catalogue_search.SearchFilters(
        eligibility=filters.eligibility or ("for_my_city" if city else "all"),
        status=filters.status,
        closing_within=filters.closing_within,
        categories=filters.category,
        agencies=filters.agency,
        instruments=filters.instrument,
        funder_types=filters.funder_type,
        min_ceiling=filters.min_ceiling,
        max_ceiling=filters.max_ceiling,
        cost_sharing=filters.cost_sharing,
    )
    page = catalogue_search.search(
        request.auth, city, filters.q, chosen, limit=filters.limit, offset=filters.offset
    )
    return page_of(page, filters.limit, filters.offset)


class MatchQuery(Schema):
    limit: int = Field(20, ge=1, le=catalogue_search.PAGE_LIMIT)


@router.get(
    "/challenges/{challenge_id}/matches",
    response={200: Matches, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="challenge_matches",
    summary="Opportunities ranked for a challenge, with why; peer cities to apply with",
)
def challenge_matches(request: ApiRequest, challenge_id: Id, query: Query[MatchQuery]) -> Any:
    challenge = challenge_for(request.auth, challenge_id)
    if challenge is None:
        raise Http404
    found = catalogue_search.match(request.auth, challenge, limit=query.limit)
    return {
        "items": [match_of(m) for m in found],
        "peers": peers_of(peers(request.auth, challenge)),
    }


@router.get(
    "/solutions/{solution_id}/matches",
    response={200: Matches, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="solution_matches",
    summary="Opportunities ranked for a solution, with why",
)
def solution_matches(request: ApiRequest, solution_id: Id, query: Query[MatchQuery]) -> Any:
    solution = solution_for(request.auth, solution_id)
    if solution is None:
        raise Http404
    found = catalogue_search.match(request.auth, solution=solution, limit=query.limit)
    return {
        "items": [match_of(m) for m in found],
        "peers": peers_of(peers(request.auth, solution.challenge)),
    }


@router.post(
    "/challenges/{challenge_id}/dismissals",
    response={201: DismissalOut, **ERRORS},
    operation_id="dismiss_match",
    summary="Dismiss an opportunity from a challenge's (or one of its solutions') matches",
)
def dismiss_match(request: ApiRequest, challenge_id: Id, payload: DismissalIn) -> Status:
    challenge = challenge_for(request.auth, challenge_id)
    if challenge is None:
        raise Http404
    solution = None
    if payload.solution_id is not None:
        solution = solution_for(request.auth, payload.solution_id)
        if solution is None or solution.challenge_id != challenge.pk:
            raise Http404
    opportunity = get_object_or_404(visible_opportunities(request.auth), pk=payload.opportunity_id)
    made = dismissals.dismiss(
        request.auth,
        opportunity,
        payload.reason,
        payload.note,
        challenge=challenge,
        solution=solution,
    )
    return Status(201, made)


@router.delete(
    "/challenges/{challenge_id}/dismissals/{opportunity_id}",
    response={204: None, **ERRORS},
    operation_id="undo_dismissal",
    summary="Bring a dismissed opportunity back to a challenge's matches",
)
def undo_dismissal(
    request: ApiRequest, challenge_id: Id, opportunity_id: Id, solution_id: Id | None = None
) -> Status:
    challenge = challenge_for(request.auth, challenge_id)
    if challenge is None:
        raise Http404
    solution = None
    if solution_id is not None:
        solution = solution_for(request.auth, solution_id)
        if solution is None or solution.challenge_id != challenge.pk:
            raise Http404
    dismissal = get_object_or_404(
        dismissals_for(challenge, solution), opportunity_id=opportunity_id
    )
    dismissals.undo(request.auth, dismissal)
    return Status(204, None)
