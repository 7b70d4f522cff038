"""REST routes of the portfolio: challenges and everything in them.

Every list and every lookup starts from ``queries.visible(model, user)``, so an object the
caller may not see is a 404, exactly like one that does not exist; every write is one
``services`` call, which refuses with 403 what the caller may see but not change. Writes check
the right to edit before resolving the ids and slugs they mention, so a refused caller learns
nothing from the answer.

(No ``from __future__ import annotations`` here: the routes made by ``_object_routes`` take
their payload schema from a variable, which django-ninja must see as a real annotation.)
"""

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status
from ninja.pagination import paginate

from civiclab.core.api import AUTH_OR_ANONYMOUS, ErrorResponse, Page
from civiclab.core.permissions import DEFAULT_POLICY, Action
from civiclab.core.services import check
from civiclab.datasets.queries import visible_datasets
from civiclab.indicators.queries import visible_indicators
from civiclab.network.queries import visible_cities, visible_teams
from civiclab.portfolio import schemas as s
from civiclab.portfolio import services, transfer
from civiclab.portfolio.models import (
    Cause,
    Challenge,
    Decision,
    Evidence,
    Idea,
    Milestone,
    OpportunityArea,
    Risk,
    Score,
    Solution,
    Update,
    scope,
)
from civiclab.portfolio.queries import visible, visible_challenges
from civiclab.portfolio.scoring import quadrant, summarise

router = Router(tags=["portfolio"])
ERRORS = {401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse}
READ_ERRORS = {401: ErrorResponse, 404: ErrorResponse}
# What each type's answers read, fetched with it rather than once per row.
RELATED: dict[type[models.Model], tuple[str, ...]] = {
    Challenge: ("city", "owner"),
    Evidence: ("indicator", "dataset"),
    Solution: ("city", "owner"),
    Score: ("reviewer", "idea__challenge__city"),
}
PREFETCH: dict[type[models.Model], tuple[str, ...]] = {
    Challenge: ("phase_changes",),
    Cause: ("evidence",),
}


def _rows(model: type[models.Model], request: HttpRequest) -> Any:
    return (
        visible(model, request.auth)
        .select_related(*RELATED.get(model, ()))
        .prefetch_related(*PREFETCH.get(model, ()))
    )


def _get(model: type[models.Model], request: HttpRequest, pk: int) -> Any:
    return get_object_or_404(_rows(model, request), pk=pk)


def _may_edit(request: HttpRequest, obj: models.Model) -> None:
    check(request.auth, Action.EDIT, obj, DEFAULT_POLICY, scope(type(obj)))


def _changes(model: type[models.Model], payload: Any) -> dict[str, Any]:
    """The fields sent; ``null`` for a field that cannot be empty means "unchanged"."""
    changes = payload.dict(exclude_unset=True)
    names = {f.name for f in model._meta.get_fields()}
    for key, value in list(changes.items()):
        if value is None and key in names and not getattr(model._meta.get_field(key), "null", 1):
            del changes[key]
    return changes


def _one_of(
    request: HttpRequest, model: type[models.Model], pk: Any, name: str, **match: Any
) -> Any:
    """An object a payload names by id: it must be visible and belong where it should."""
    if pk is None:
        return None
    found = visible(model, request.auth).filter(pk=pk, **match).first()
    if found is None:
        raise ValidationError({name: f"No such {name.replace('_', ' ')} here."})
    return found


def _slug_of(request: HttpRequest, kind: str, slug: str | None, city_id: int) -> Any:
    if slug is None:
        return None
    rows = (
        visible_indicators(request.auth) if kind == "indicator" else visible_datasets(request.auth)
    )
    found = rows.filter(city_id=city_id, slug=slug).first()
    if found is None:
        raise ValidationError({kind: f"The city has no {kind} {slug!r}."})
    return found


def _object_routes(
    path: str,
    name: str,
    model: type[models.Model],
    out: Any,
    update_schema: Any,
    *,
    resolve: Any = None,
    update: Any = services.update_part,
    delete: Any = services.delete_part,
    present: Any = None,
    who_deletes: str = "members",
) -> None:
    """GET, PATCH and DELETE of one object at ``/{path}/{pk}``."""
    label = name.replace("_", " ")

    @router.get(
        f"/{path}/{{pk}}",
        response={200: out, **READ_ERRORS},
        auth=AUTH_OR_ANONYMOUS,
        operation_id=f"get_{name}",
        url_name=f"get_{name}",
        summary=f"One {label}",
    )
    def get_one(request: HttpRequest, pk: int) -> Any:
        found = _get(model, request, pk)
        return present(request, found) if present else found

    @router.patch(
        f"/{path}/{{pk}}",
        response={200: out, **ERRORS},
        operation_id=f"update_{name}",
        url_name=f"update_{name}",
        summary=f"Change a {label} (members)",
        description="Only the fields sent change.",
    )
    def update_one(request: HttpRequest, pk: int, payload: update_schema) -> Any:
        found = _get(model, request, pk)
        _may_edit(request, found)
        changes = _changes(model, payload)
        if resolve is not None:
            changes = resolve(request, found, changes)
        update(request.auth, found, changes)
        return get_one(request, pk)

    @router.delete(
        f"/{path}/{{pk}}",
        response={204: None, **ERRORS},
        operation_id=f"delete_{name}",
        url_name=f"delete_{name}",
        summary=f"Delete a {label} ({who_deletes})",
    )
    def delete_one(request: HttpRequest, pk: int) -> Status:
        delete(request.auth, _get(model, request, pk))
        return Status(204, None)


# -- challenges --------------------------------------------------------------------------------
@router.get(
    "/challenges",
    response=list[s.ChallengeOut],
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_challenges",
    summary="Challenges you can see",
)
@paginate(Page)
def list_challenges(
    request: HttpRequest,
    city: str | None = Query(None, description="Only this city's (slug)"),
    cohort: str | None = Query(None, description="Only the cities of this cohort (slug)"),
    phase: s.Phase | None = None,
    priority_area: s.PriorityArea | None = None,
    visibility: str | None = None,
    q: str | None = Query(None, description="Title contains (ignoring case)"),
) -> Any:
    rows = visible_challenges(request.auth).order_by("-updated_at", "-pk")
    if city:
        rows = rows.filter(city__slug=city)
    if cohort:
        rows = rows.filter(city__cohorts__slug=cohort).distinct()
    for key, value in (
        ("phase", phase),
        ("priority_area", priority_area),
        ("visibility", visibility),
    ):
        if value:
            rows = rows.filter(**{key: value})
    if q:
        rows = rows.filter(title__icontains=q)
    return rows


@router.post(
    "/challenges",
    response={201: s.ChallengeDetail, **ERRORS},
    operation_id="create_challenge",
    summary="Open a challenge in a city (members; wider than `city`: city admins)",
)
def create_challenge(request: HttpRequest, payload: s.ChallengeIn) -> Status:
    city = get_object_or_404(visible_cities(request.auth), slug=payload.city)
    team = None
    if payload.team is not None:
        team = visible_teams(request.auth).filter(pk=payload.team, city=city).first()
        if team is None:
            raise ValidationError({"team": "No such team in the city."})
    fields = payload.dict(exclude={"city", "team", "title"})
    made = services.create_challenge(request.auth, city, payload.title, team=team, **fields)
    return Status(201, _get(Challenge, request, made.pk))


@router.post(
    "/challenges/import",
    response={201: s.ImportOut, **ERRORS},
    operation_id="import_challenge",
    summary="Import a challenge exported from another installation (members)",
    description=(
        "`document` is the answer of `GET /challenges/{id}/export`. Nothing is written unless "
        "all of it is: a problem is a `422` naming its place in the document (`details[]."
        "field` is `document`, the message starts with the path, e.g. `ideas.2.title: …`). "
        "Indicators and datasets are found by slug in the city; those missing are dropped, "
        "with a warning each."
    ),
)
def import_challenge(request: HttpRequest, payload: s.ImportIn) -> Status:
    city = get_object_or_404(visible_cities(request.auth), slug=payload.city)
    result = transfer.import_challenge(request.auth, city, payload.document)
    challenge = _get(Challenge, request, result.challenge.pk)
    return Status(201, {"challenge": challenge, "warnings": result.warnings})


def _update_challenge(request: HttpRequest, found: Challenge, changes: dict[str, Any]) -> Any:
    if "team" in changes:
        changes["team"] = _one_of_team(request, found, changes["team"])
    return changes


def _one_of_team(request: HttpRequest, challenge: Challenge, pk: int | None) -> Any:
    if pk is None:
        return None
    team = visible_teams(request.auth).filter(pk=pk, city_id=challenge.city_id).first()
    if team is None:
        raise ValidationError({"team": "No such team in the city."})
    return team


_object_routes(
    "challenges", "challenge", Challenge, s.ChallengeDetail, s.ChallengeUpdate,
    resolve=_update_challenge, update=services.update_challenge,
    delete=services.delete_challenge, who_deletes="city admins",
)  # fmt: skip


@router.post(
    "/challenges/{pk}/phase",
    response={200: s.ChallengeDetail, **ERRORS},
    operation_id="set_challenge_phase",
    summary="Move a challenge to another phase, with a note (members)",
)
def set_challenge_phase(request: HttpRequest, pk: int, payload: s.PhaseIn) -> Any:
    found = _get(Challenge, request, pk)
    services.set_phase(request.auth, found, payload.phase, payload.note)
    return _get(Challenge, request, pk)


@router.get(
    "/challenges/{pk}/export",
    response={200: transfer.ChallengeDocument, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="export_challenge",
    summary="The whole challenge as one document, to import elsewhere",
    description=(
        "Holds what you can see of it, without ids or people: indicators and datasets by slug, "
        "reviewers of scores as opaque labels."
    ),
)
def export_challenge(request: HttpRequest, pk: int) -> JsonResponse:
    # Answered as is: the API's encoder would round the times to milliseconds.
    document = transfer.export_challenge(_get(Challenge, request, pk), viewer=request.auth)
    return JsonResponse(document, json_dumps_params={"ensure_ascii": False})


# -- evidence ----------------------------------------------------------------------------------
def _by_parent(rows: Any, **filters: Any) -> Any:
    return rows.filter(**{key: value for key, value in filters.items() if value is not None})


@router.get(
    "/evidence",
    response=list[s.EvidenceOut],
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_evidence",
    summary="Evidence you can see",
)
@paginate(Page)
def list_evidence(
    request: HttpRequest, challenge: int | None = None, kind: s.EvidenceKind | None = None
) -> Any:
    return _by_parent(_rows(Evidence, request), challenge_id=challenge, kind=kind).order_by("pk")


@router.post(
    "/evidence",
    response={201: s.EvidenceOut, **ERRORS},
    operation_id="create_evidence",
    summary="Log a data finding, an insight or a document on a challenge (members)",
    description="A data finding with an indicator keeps a snapshot of its latest number.",
)
def create_evidence(request: HttpRequest, payload: s.EvidenceIn) -> Status:
    challenge = _get(Challenge, request, payload.challenge)
    _may_edit(request, challenge)
    fields = payload.dict(exclude={"challenge", "kind", "title"}, exclude_none=True)
    for kind in ("indicator", "dataset"):
        if kind in fields:
            fields[kind] = _slug_of(request, kind, fields[kind], challenge.city_id)
    made = services.add_evidence(request.auth, challenge, payload.kind, payload.title, **fields)
    return Status(201, _get(Evidence, request, made.pk))


def _update_evidence(request: HttpRequest, found: Evidence, changes: dict[str, Any]) -> Any:
    for kind in ("indicator", "dataset"):
        if kind in changes:
            changes[kind] = _slug_of(request, kind, changes[kind], found.city_id)
    return changes


_object_routes(
    "evidence", "evidence", Evidence, s.EvidenceOut, s.EvidenceUpdate,
    resolve=_update_evidence, update=services.update_evidence, delete=services.delete_evidence,
)  # fmt: skip


# -- causes and opportunity areas --------------------------------------------------------------
@router.get(
    "/causes",
    response=list[s.CauseOut],
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_causes",
    summary="Causes of the challenges you can see (each names its parent: a tree)",
)
@paginate(Page)
def list_causes(request: HttpRequest, challenge: int | None = None) -> Any:
    return _by_parent(_rows(Cause, request), challenge_id=challenge).order_by("position", "pk")


def _cause_links(request: HttpRequest, challenge_id: int, changes: dict[str, Any]) -> list[Any]:
    if "parent" in changes:
        changes["parent"] = _one_of(request, Cause, changes["parent"], "parent")
    ids = changes.pop("evidence", None)
    if ids is None:
        return []
    found = list(visible(Evidence, request.auth).filter(pk__in=ids, challenge_id=challenge_id))
    if len(found) != len(set(ids)):
        raise ValidationError({"evidence": "Some evidence is not of this challenge."})
    return found


@router.post(
    "/causes",
    response={201: s.CauseOut, **ERRORS},
    operation_id="create_cause",
    summary="Add a cause to a challenge's tree (members)",
)
def create_cause(request: HttpRequest, payload: s.CauseIn) -> Status:
    challenge = _get(Challenge, request, payload.challenge)
    _may_edit(request, challenge)
    fields = payload.dict(exclude={"challenge"})
    evidence = _cause_links(request, challenge.pk, fields)
    made = services.add_part(request.auth, challenge, Cause, **fields)
    if evidence:
        services.link_cause_evidence(request.auth, made, evidence)
    return Status(201, _get(Cause, request, made.pk))


def _update_cause(request: HttpRequest, found: Cause, changes: dict[str, Any]) -> Any:
    sent = "evidence" in changes
    evidence = _cause_links(request, found.challenge_id, changes)
    if sent:
        services.link_cause_evidence(request.auth, found, evidence)
    return changes


_object_routes("causes", "cause", Cause, s.CauseOut, s.CauseUpdate, resolve=_update_cause)


@router.get(
    "/opportunity-areas",
    response=list[s.OpportunityAreaOut],
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_opportunity_areas",
    summary="Opportunity areas of the challenges you can see",
)
@paginate(Page)
def list_opportunity_areas(request: HttpRequest, challenge: int | None = None) -> Any:
    return _by_parent(_rows(OpportunityArea, request), challenge_id=challenge).order_by("pk")


@router.post(
    "/opportunity-areas",
    response={201: s.OpportunityAreaOut, **ERRORS},
    operation_id="create_opportunity_area",
    summary="Add an opportunity area to a challenge (members)",
)
def create_opportunity_area(request: HttpRequest, payload: s.OpportunityAreaIn) -> Status:
    challenge = _get(Challenge, request, payload.challenge)
    fields = payload.dict(exclude={"challenge"})
    made = services.add_part(request.auth, challenge, OpportunityArea, **fields)
    return Status(201, _get(OpportunityArea, request, made.pk))


_object_routes(
    "opportunity-areas", "opportunity_area", OpportunityArea, s.OpportunityAreaOut,
    s.OpportunityAreaUpdate,
)  # fmt: skip


# -- ideas and scores --------------------------------------------------------------------------
def _idea_detail(request: HttpRequest, idea: Idea) -> Idea:
    """The idea with the summary of its scores and the caller's own."""
    rubric = idea.challenge.rubric
    rows = [(s.reviewer_key, s.criterion, s.value) for s in idea.scores.all()]
    summary = summarise([c["key"] for c in rubric], rows)
    labels = {c["key"]: c.get("label", c["key"]) for c in rubric}
    means = {c.criterion: c.mean for c in summary.criteria}
    idea.summary = {  # type: ignore[attr-defined]
        "criteria": [{**c.__dict__, "label": labels[c.criterion]} for c in summary.criteria],
        "mean": summary.mean,
        "reviewers": summary.reviewers,
        "disagreement": summary.disagreement,
        "quadrant": quadrant(means.get("impact"), means.get("feasibility")),
    }
    me = getattr(request.auth, "pk", None)
    idea.my_scores = {c: v for who, c, v in rows if who == me}  # type: ignore[attr-defined]
    return idea


@router.get(
    "/ideas",
    response=list[s.IdeaOut],
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_ideas",
    summary="Ideas of the challenges you can see",
)
@paginate(Page)
def list_ideas(
    request: HttpRequest,
    challenge: int | None = None,
    status: s.IdeaDecision | None = None,
    opportunity_area: int | None = None,
) -> Any:
    rows = _by_parent(
        _rows(Idea, request),
        challenge_id=challenge,
        status=status,
        opportunity_area_id=opportunity_area,
    )
    return rows.order_by("pk")


@router.post(
    "/ideas",
    response={201: s.IdeaDetail, **ERRORS},
    operation_id="create_idea",
    summary="Add an idea to a challenge (members)",
)
def create_idea(request: HttpRequest, payload: s.IdeaIn) -> Status:
    challenge = _get(Challenge, request, payload.challenge)
    _may_edit(request, challenge)
    fields = payload.dict(exclude={"challenge"})
    fields["opportunity_area"] = _one_of(
        request, OpportunityArea, fields["opportunity_area"], "opportunity_area",
        challenge=challenge,
    )  # fmt: skip
    by = request.auth if request.auth.is_authenticated else None
    made = services.add_part(request.auth, challenge, Idea, created_by=by, **fields)
    return Status(201, _idea_detail(request, _get(Idea, request, made.pk)))


def _update_idea(request: HttpRequest, found: Idea, changes: dict[str, Any]) -> Any:
    if "opportunity_area" in changes:
        changes["opportunity_area"] = _one_of(
            request, OpportunityArea, changes["opportunity_area"], "opportunity_area",
            challenge_id=found.challenge_id,
        )  # fmt: skip
    return changes


_object_routes(
    "ideas", "idea", Idea, s.IdeaDetail, s.IdeaUpdate, resolve=_update_idea, present=_idea_detail
)


@router.post(
    "/ideas/{pk}/decision",
    response={200: s.IdeaDetail, **ERRORS},
    operation_id="decide_idea",
    summary="Advance, park or drop an idea, with the reason (members)",
    description="`open` reopens it. The reason is required otherwise, and kept.",
)
def decide_idea(request: HttpRequest, pk: int, payload: s.IdeaDecisionIn) -> Any:
    found = _get(Idea, request, pk)
    services.decide_idea(request.auth, found, payload.status, payload.reason)
    return _idea_detail(request, _get(Idea, request, pk))


@router.post(
    "/ideas/{pk}/scores",
    response={200: s.IdeaDetail, **ERRORS},
    operation_id="score_idea",
    summary="Score an idea on the challenge's rubric, as yourself (members)",
    description=(
        "The body maps criteria of the challenge's rubric to whole numbers from 1 to 5, e.g. "
        '`{"impact": 4, "feasibility": 3}`. Scoring again replaces your earlier scores of '
        "those criteria. The answer's `summary` gives the mean and spread per criterion."
    ),
)
def score_idea(request: HttpRequest, pk: int, payload: s.ScoresIn) -> Any:
    found = _get(Idea, request, pk)
    # The schema documents the body; its criteria are the rubric's, so read them as sent.
    scores = json.loads(request.body)
    if not scores:
        raise ValidationError({"scores": "Send at least one criterion and its score."})
    services.score_idea(request.auth, found, scores)
    return _idea_detail(request, _get(Idea, request, pk))


@router.get(
    "/scores",
    response=list[s.ScoreOut],
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_scores",
    summary="Scores of the ideas you can see",
)
@paginate(Page)
def list_scores(request: HttpRequest, idea: int | None = None, challenge: int | None = None) -> Any:
    rows = _by_parent(_rows(Score, request), idea_id=idea, idea__challenge_id=challenge)
    return rows.order_by("idea_id", "criterion", "pk")


@router.post(
    "/scores",
    response={201: s.ScoreOut, **ERRORS},
    operation_id="create_score",
    summary="Score an idea on one criterion, as yourself (members)",
)
def create_score(request: HttpRequest, payload: s.ScoreIn) -> Status:
    idea = _get(Idea, request, payload.idea)
    (made,) = services.score_idea(request.auth, idea, {payload.criterion: payload.value})
    return Status(201, _get(Score, request, made.pk))


def _update_score(by: Any, score: Score, changes: dict[str, Any]) -> None:
    """A score is changed by its reviewer only (others may delete it)."""
    if score.reviewer_id != by.pk:
        raise PermissionDenied("only the reviewer changes a score")
    if "value" in changes:
        services.score_idea(by, score.idea, {score.criterion: changes["value"]})


_object_routes("scores", "score", Score, s.ScoreOut, s.ScoreUpdate, update=_update_score)


# -- solutions ---------------------------------------------------------------------------------
@router.get(
    "/solutions",
    response=list[s.SolutionOut],
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_solutions",
    summary="Solutions you can see",
)
@paginate(Page)
def list_solutions(
    request: HttpRequest,
    challenge: int | None = None,
    city: str | None = Query(None, description="Only this city's (slug)"),
    status: s.SolutionStatus | None = None,
    stage: s.SolutionStage | None = None,
) -> Any:
    rows = _by_parent(
        _rows(Solution, request), challenge_id=challenge, city__slug=city or None,
        status=status, stage=stage,
    )  # fmt: skip
    return rows.order_by("-updated_at", "-pk")


@router.post(
    "/solutions",
    response={201: s.SolutionDetail, **ERRORS},
    operation_id="create_solution",
    summary="Prepare a solution for a challenge, maybe from one of its ideas (members)",
    description=(
        "From an idea (`idea`), the challenge defaults to the idea's and the idea is marked "
        "advanced. A challenge still investigating or generating moves to `prepare`."
    ),
)
def create_solution(request: HttpRequest, payload: s.SolutionIn) -> Status:
    idea = _get(Idea, request, payload.idea) if payload.idea is not None else None
    if payload.challenge is not None:
        challenge = _get(Challenge, request, payload.challenge)
    elif idea is not None:
        challenge = _get(Challenge, request, idea.challenge_id)
    else:
        raise ValidationError({"challenge": "Name the challenge, or the idea it comes from."})
    fields = payload.dict(exclude={"challenge", "idea", "title"}, exclude_none=True)
    made = services.create_solution(request.auth, challenge, payload.title, idea=idea, **fields)
    return Status(201, _get(Solution, request, made.pk))


_object_routes(
    "solutions", "solution", Solution, s.SolutionDetail, s.SolutionUpdate,
    update=services.update_solution, delete=services.delete_solution, who_deletes="city admins",
)  # fmt: skip


@router.post(
    "/solutions/{pk}/targets",
    response={200: s.SolutionDetail, **ERRORS},
    operation_id="link_solution_indicator",
    summary="Measure a solution by an indicator of its city, with a target (members)",
)
def link_solution_indicator(request: HttpRequest, pk: int, payload: s.TargetIn) -> Any:
    found = _get(Solution, request, pk)
    _may_edit(request, found)
    indicator = _slug_of(request, "indicator", payload.indicator, found.city_id)
    if found.targets.filter(indicator=indicator).exists():
        raise ValidationError({"indicator": "The solution is already measured by it."})
    services.link_indicator(
        request.auth, found, indicator, payload.target_value, payload.target_date
    )
    return _get(Solution, request, pk)


@router.delete(
    "/solutions/{pk}/targets/{indicator}",
    response={200: s.SolutionDetail, **ERRORS},
    operation_id="unlink_solution_indicator",
    summary="Stop measuring a solution by an indicator (members)",
)
def unlink_solution_indicator(request: HttpRequest, pk: int, indicator: str) -> Any:
    found = _get(Solution, request, pk)
    target = get_object_or_404(found.targets, indicator__slug=indicator)
    services.delete_part(request.auth, target)
    return _get(Solution, request, pk)


# -- parts of a solution: milestones, risks, stage-gate decisions, updates ---------------------
def _solution_parts(
    path: str, name: str, model: type[models.Model], schemas: Any, add: Any
) -> None:
    """List and create ``model`` (a part of a solution) at ``/{path}``."""
    out, create_schema, update_schema = schemas
    plural = path.replace("-", "_")

    @router.get(
        f"/{path}",
        response=list[out],
        auth=AUTH_OR_ANONYMOUS,
        operation_id=f"list_{plural}",
        url_name=f"list_{plural}",
        summary=f"{plural.capitalize()} of the solutions you can see",
    )
    @paginate(Page)
    def list_parts(request: HttpRequest, solution: int | None = None) -> Any:
        ordering = model._meta.ordering or ["pk"]
        return _by_parent(_rows(model, request), solution_id=solution).order_by(*ordering, "pk")

    @router.post(
        f"/{path}",
        response={201: out, **ERRORS},
        operation_id=f"create_{name}",
        url_name=f"create_{name}",
        summary=f"Add a {name} to a solution (members)",
    )
    def create_part(request: HttpRequest, payload: create_schema) -> Status:
        solution = _get(Solution, request, payload.solution)
        made = add(request.auth, solution, **payload.dict(exclude={"solution"}))
        return Status(201, _get(model, request, made.pk))

    _object_routes(path, name, model, out, update_schema)


_solution_parts(
    "milestones", "milestone", Milestone, (s.MilestoneOut, s.MilestoneIn, s.MilestoneUpdate),
    services.add_milestone,
)  # fmt: skip
_solution_parts("risks", "risk", Risk, (s.RiskOut, s.RiskIn, s.RiskUpdate), services.add_risk)
_solution_parts(
    "decisions", "decision", Decision, (s.DecisionOut, s.DecisionIn, s.DecisionUpdate),
    services.record_decision,
)  # fmt: skip
_solution_parts(
    "updates", "update", Update, (s.UpdateOut, s.UpdateIn, s.UpdateUpdate), services.post_update
)
