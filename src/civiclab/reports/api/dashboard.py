"""dashboard: REST routes under /api/v1/reports/ — the attention list, a solution's status
and its override (the same queries and service as the pages)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from ninja import Field as NinjaField
from ninja import Query, Router, Schema

from civiclab.accounts.authentication import ApiRequest
from civiclab.core.api import ERRORS, READ_ERRORS, Id
from civiclab.network.queries import visible_cities
from civiclab.portfolio.models import Solution
from civiclab.portfolio.queries import visible
from civiclab.reports.queries import dashboard as queries
from civiclab.reports.queries.status import SolutionStatus, statuses_of
from civiclab.reports.schemas.dashboard import DashboardOut, OverrideIn, StatusOut
from civiclab.reports.services.dashboard import override_status

router = Router(tags=["reports"])
STATUS = "/solutions/{solution_id}/status"


class DashboardQuery(Schema):
    city: str | None = NinjaField(None, max_length=100, description="A city's slug")


@router.get(
    "/dashboard",
    response={200: DashboardOut, **READ_ERRORS},
    operation_id="get_dashboard",
    summary="What needs attention now",
    description=(
        "The caller's cities (a network admin's: every city of their networks), or one city "
        "with `?city=`: indicators off track or with a new signal, milestones slipping or due, "
        "open risks, decisions due, funding deadlines, stale data. Only what the caller may "
        "see; an unknown or unseen city is a `404`."
    ),
)
def get_dashboard(request: ApiRequest, filters: Query[DashboardQuery]) -> dict[str, Any]:
    if filters.city:
        city = visible_cities(request.auth).filter(slug=filters.city).first()
        if city is None:
            raise Http404
        cities = [city]
    else:
        cities, _network = queries.dashboard_cities(request.auth)
    slugs = {c.pk: c.slug for c in cities}
    items = queries.attention(request.auth, cities)
    return {
        "cities": list(slugs.values()),
        "total": sum(1 for i in items if queries.needs_attention(i)),
        "items": [
            {
                "kind": i.kind,
                "city": slugs[i.city_id],
                "title": i.title,
                "detail": i.detail,
                "url": i.url,
                "on": i.on,
                "severity": i.severity,
                "counted": queries.needs_attention(i),
            }
            for i in items
        ],
    }


def _solution(request: ApiRequest, solution_id: int) -> Solution:
    found = visible(Solution, request.auth).select_related("city").filter(pk=solution_id).first()
    if found is None:
        raise Http404
    return found


def _out(solution: Solution, status: SolutionStatus) -> dict[str, Any]:
    override = status.override
    return {
        "solution": solution.pk,
        "status": status.status,
        "label": status.label,
        "proposed": status.proposed,
        "reason": status.reason,
        "overridden": status.overridden,
        "narrative": status.narrative,
        "overridden_by": getattr(override.by, "email", None) if override else None,
        "overridden_at": override.at if override else None,
    }


@router.get(
    STATUS,
    response={200: StatusOut, **READ_ERRORS},
    operation_id="get_solution_status",
    summary="A solution's status: the data's proposal and reason, and any override",
)
def get_solution_status(request: ApiRequest, solution_id: Id) -> dict[str, Any]:
    solution = _solution(request, solution_id)
    return _out(solution, statuses_of([solution], request.auth)[solution.pk])


@router.post(
    STATUS,
    response={200: StatusOut, **ERRORS},
    operation_id="override_solution_status",
    summary="Override a solution's proposed status, with a narrative",
    description=(
        "Those who may edit the solution (`403` otherwise; `404` when they may not see it). "
        "The narrative is required (`422` when empty). An override that agrees with the "
        "proposal is recorded with its narrative."
    ),
)
def override_solution_status(
    request: ApiRequest, solution_id: Id, payload: OverrideIn
) -> dict[str, Any]:
    solution = _solution(request, solution_id)
    override_status(request.auth, solution, payload.status, payload.narrative)
    return _out(solution, statuses_of([solution], request.auth)[solution.pk])
