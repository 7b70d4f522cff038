"""REST routes of the delivery side: solutions, the indicators measuring them (targets) and
their parts (milestones, risks, stage-gate decisions, updates).

Read and written like the rest of the portfolio's routes (see ``api.challenges``): lookups go
through ``queries.visible`` (unseen is 404), writes through one ``services`` call (403 for what
the caller may see but not change); the types of the same shape are ``routing.PartType`` rows.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router

from civiclab.accounts.authentication import ApiRequest
from civiclab.core.api import Id
from civiclab.portfolio import schemas as s
from civiclab.portfolio import services
from civiclab.portfolio.api.routing import (
    BY_CHALLENGE,
    ERRORS,
    Filter,
    PartType,
    get_visible,
    may_edit,
    register,
    slug_of,
)
from civiclab.portfolio.models import Challenge, Decision, Idea, Milestone, Risk, Solution, Update

router = Router(tags=["portfolio"])
BY_CITY = Filter("city", str | None, "city__slug", "Only this city's (slug)")


# -- solutions ---------------------------------------------------------------------------------
def _create_solution(request: ApiRequest, payload: s.SolutionIn) -> Solution:
    idea = get_visible(Idea, request, payload.idea) if payload.idea is not None else None
    if payload.challenge is not None:
        challenge = get_visible(Challenge, request, payload.challenge)
    elif idea is not None:
        challenge = get_visible(Challenge, request, idea.challenge_id)
    else:
        raise ValidationError({"challenge": "Name the challenge, or the idea it comes from."})
    fields = payload.dict(exclude={"challenge", "idea", "title"}, exclude_none=True)
    return services.create_solution(request.auth, challenge, payload.title, idea=idea, **fields)


register(router, PartType(
    "solutions", "solution", Solution, s.SolutionDetail, s.SolutionUpdate,
    update=services.update_solution, delete=services.delete_solution, who_deletes="city admins",
    list_out=s.SolutionOut, list_summary="Solutions you can see",
    filters=(
        BY_CHALLENGE, BY_CITY, Filter("status", s.SolutionStatus | None, "status"),
        Filter("stage", s.SolutionStage | None, "stage"),
    ),
    ordering=("-updated_at", "-pk"),
    create_in=s.SolutionIn, create=_create_solution,
    create_summary="Prepare a solution for a challenge, maybe from one of its ideas (members)",
    create_description=(
        "From an idea (`idea`), the challenge defaults to the idea's and the idea is marked "
        "advanced. A challenge still investigating or generating moves to `prepare`."
    ),
))  # fmt: skip


@router.post(
    "/solutions/{pk}/targets",
    response={200: s.SolutionDetail, **ERRORS},
    operation_id="link_solution_indicator",
    summary="Measure a solution by an indicator of its city, with a target (members)",
)
def link_solution_indicator(request: ApiRequest, pk: Id, payload: s.TargetIn) -> Any:
    found = get_visible(Solution, request, pk)
    may_edit(request, found)
    indicator = slug_of(request, "indicator", payload.indicator, found.city_id)
    if found.targets.filter(indicator=indicator).exists():
        raise ValidationError({"indicator": "The solution is already measured by it."})
    services.link_indicator(
        request.auth, found, indicator, payload.target_value, payload.target_date
    )
    return get_visible(Solution, request, pk)


@router.delete(
    "/solutions/{pk}/targets/{indicator}",
    response={200: s.SolutionDetail, **ERRORS},
    operation_id="unlink_solution_indicator",
    summary="Stop measuring a solution by an indicator (members)",
)
def unlink_solution_indicator(request: ApiRequest, pk: Id, indicator: str) -> Any:
    found = get_visible(Solution, request, pk)
    target = get_object_or_404(found.targets, indicator__slug=indicator)
    services.delete_part(request.auth, target)
    return get_visible(Solution, request, pk)


# -- parts of a solution: milestones, risks, stage-gate decisions, updates ---------------------
def _owner_of(request: ApiRequest, found: Any, changes: dict[str, Any]) -> dict[str, Any]:
    """A payload's ``owner`` (a user id) as the person; the service checks that they are a
    member of the solution's city (an unknown id reads the same as a non-member's)."""
    if changes.get("owner") is not None:
        owner = get_user_model().objects.filter(pk=changes["owner"]).first()
        if owner is None:
            raise ValidationError({"owner": _("The owner must be a member of the city.")})
        changes["owner"] = owner
    return changes


def _solution_part(
    path: str, name: str, model: type[models.Model], schemas: Any, add: Any
) -> PartType:
    """A part of a solution: listed by solution, added by ``add(user, solution, **fields)``."""
    out, create_in, update_in = schemas

    def create(request: ApiRequest, payload: Any) -> Any:
        solution = get_visible(Solution, request, payload.solution)
        fields = _owner_of(request, None, payload.dict(exclude={"solution"}))
        return add(request.auth, solution, **fields)

    return PartType(
        path, name, model, out, update_in, resolve=_owner_of,
        list_out=out, list_summary=f"{path.capitalize()} of the solutions you can see",
        filters=(Filter("solution", Id | None, "solution_id"),),
        ordering=(*(model._meta.ordering or ["pk"]), "pk"),
        create_in=create_in, create=create,
        create_summary=f"Add a {name} to a solution (members)",
    )  # fmt: skip


for _part in (
    _solution_part(
        "milestones", "milestone", Milestone, (s.MilestoneOut, s.MilestoneIn, s.MilestoneUpdate),
        services.add_milestone,
    ),
    _solution_part("risks", "risk", Risk, (s.RiskOut, s.RiskIn, s.RiskUpdate), services.add_risk),
    _solution_part(
        "decisions", "decision", Decision, (s.DecisionOut, s.DecisionIn, s.DecisionUpdate),
        services.record_decision,
    ),
    _solution_part(
        "updates", "update", Update, (s.UpdateOut, s.UpdateIn, s.UpdateUpdate),
        services.post_update,
    ),
):  # fmt: skip
    register(router, _part)
