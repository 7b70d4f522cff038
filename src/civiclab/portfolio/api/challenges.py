"""REST routes of the portfolio's challenges and everything in them: evidence, causes,
opportunity areas, ideas and their scores (solutions and their parts: ``api.solutions``).

Every list and every lookup starts from ``queries.visible(model, user)``, so an object the
caller may not see is a 404, exactly like one that does not exist; every write is one
``services`` call, which refuses with 403 what the caller may see but not change. Writes check
the right to edit before resolving the ids and slugs they mention, so a refused caller learns
nothing from the answer.

The types whose routes have the same shape are rows (``PartType``) registered by
``routing.register``; what differs — how a payload is resolved, which filters a list takes —
is in the functions each row names. The routes of their own (a challenge's list and phase,
scoring, export and import) are written out.
"""

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status
from ninja.pagination import paginate

from civiclab.accounts.authentication import AUTH_OR_ANONYMOUS, ApiRequest
from civiclab.core.api import ErrorResponse, Id, Page
from civiclab.network.queries import visible_cities
from civiclab.portfolio import schemas as s
from civiclab.portfolio import services, transfer
from civiclab.portfolio.api.routing import (
    BY_CHALLENGE,
    ERRORS,
    READ_ERRORS,
    Filter,
    PartType,
    get_visible,
    may_edit,
    one_of,
    register,
    slug_of,
    team_of,
)
from civiclab.portfolio.filtersets import ChallengeFilterSet
from civiclab.portfolio.models import (
    Cause,
    Challenge,
    Evidence,
    Idea,
    OpportunityArea,
    Score,
)
from civiclab.portfolio.queries import visible
from civiclab.portfolio.rules.scoring import quadrant, summarise

router = Router(tags=["portfolio"])


# -- challenges --------------------------------------------------------------------------------
@router.get(
    "/challenges",
    # 422: a filter's value that is not one of its choices (an unknown city or cohort too).
    response={200: list[s.ChallengeOut], 422: ErrorResponse},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_challenges",
    summary="Challenges you can see",
)
@paginate(Page)
def list_challenges(request: ApiRequest, filters: Query[s.ChallengeFilters]) -> Any:
    found = ChallengeFilterSet(filters.model_dump(exclude_none=True), user=request.auth)
    return found.checked_qs().order_by("-updated_at", "-pk")


@router.post(
    "/challenges",
    response={201: s.ChallengeDetail, **ERRORS},
    operation_id="create_challenge",
    summary="Open a challenge in a city (members; wider than `city`: city admins)",
)
def create_challenge(request: ApiRequest, payload: s.ChallengeIn) -> Status:
    city = get_object_or_404(visible_cities(request.auth), slug=payload.city)
    team = team_of(request, city.pk, payload.team)
    fields = payload.dict(exclude={"city", "team", "title"})
    made = services.create_challenge(request.auth, city, payload.title, team=team, **fields)
    return Status(201, get_visible(Challenge, request, made.pk))


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
def import_challenge(request: ApiRequest, payload: s.ImportIn) -> Status:
    city = get_object_or_404(visible_cities(request.auth), slug=payload.city)
    result = transfer.import_challenge(request.auth, city, payload.document)
    challenge = get_visible(Challenge, request, result.challenge.pk)
    return Status(201, {"challenge": challenge, "warnings": result.warnings})


def _update_challenge(request: ApiRequest, found: Challenge, changes: dict[str, Any]) -> Any:
    if "team" in changes:
        changes["team"] = team_of(request, found.city_id, changes["team"])
    return changes


register(router, PartType(
    "challenges", "challenge", Challenge, s.ChallengeDetail, s.ChallengeUpdate,
    resolve=_update_challenge, update=services.update_challenge,
    delete=services.delete_challenge, who_deletes="city admins",
))  # fmt: skip


@router.post(
    "/challenges/{pk}/phase",
    response={200: s.ChallengeDetail, **ERRORS},
    operation_id="set_challenge_phase",
    summary="Move a challenge to another phase, with a note (members)",
)
def set_challenge_phase(request: ApiRequest, pk: Id, payload: s.PhaseIn) -> Any:
    found = get_visible(Challenge, request, pk)
    services.set_phase(request.auth, found, payload.phase, payload.note)
    return get_visible(Challenge, request, pk)


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
def export_challenge(request: ApiRequest, pk: Id) -> JsonResponse:
    # Answered as is: the API's encoder would round the times to milliseconds.
    document = transfer.export_challenge(get_visible(Challenge, request, pk), viewer=request.auth)
    return JsonResponse(document, json_dumps_params={"ensure_ascii": False})


# -- evidence ----------------------------------------------------------------------------------
def _evidence_sources(request: ApiRequest, city_id: int, fields: dict[str, Any]) -> Any:
    """Indicator and dataset slugs sent, as the city's objects."""
    for kind in ("indicator", "dataset"):
        if kind in fields:
            fields[kind] = slug_of(request, kind, fields[kind], city_id)
    return fields


def _create_evidence(request: ApiRequest, payload: s.EvidenceIn) -> Evidence:
    challenge = get_visible(Challenge, request, payload.challenge)
    may_edit(request, challenge)
    fields = payload.dict(exclude={"challenge", "kind", "title"}, exclude_none=True)
    fields = _evidence_sources(request, challenge.city_id, fields)
    return services.add_evidence(request.auth, challenge, payload.kind, payload.title, **fields)


def _update_evidence(request: ApiRequest, found: Evidence, changes: dict[str, Any]) -> Any:
    return _evidence_sources(request, found.city_id, changes)


register(router, PartType(
    "evidence", "evidence", Evidence, s.EvidenceOut, s.EvidenceUpdate,
    resolve=_update_evidence, update=services.update_evidence, delete=services.delete_evidence,
    list_out=s.EvidenceOut, list_summary="Evidence you can see",
    filters=(BY_CHALLENGE, Filter("kind", s.EvidenceKind | None, "kind")),
    create_in=s.EvidenceIn, create=_create_evidence,
    create_summary="Log a data finding, an insight or a document on a challenge (members)",
    create_description="A data finding with an indicator keeps a snapshot of its latest number.",
))  # fmt: skip


# -- causes and opportunity areas --------------------------------------------------------------
def _cause_links(request: ApiRequest, challenge_id: int, changes: dict[str, Any]) -> list[Any]:
    if "parent" in changes:
        changes["parent"] = one_of(request, Cause, changes["parent"], "parent")
    ids = changes.pop("evidence", None)
    if ids is None:
        return []
    found = list(visible(Evidence, request.auth).filter(pk__in=ids, challenge_id=challenge_id))
    if len(found) != len(set(ids)):
        raise ValidationError({"evidence": "Some evidence is not of this challenge."})
    return found


def _create_cause(request: ApiRequest, payload: s.CauseIn) -> Cause:
    challenge = get_visible(Challenge, request, payload.challenge)
    may_edit(request, challenge)
    fields = payload.dict(exclude={"challenge"})
    evidence = _cause_links(request, challenge.pk, fields)
    made = services.add_part(request.auth, challenge, Cause, **fields)
    if evidence:
        services.link_cause_evidence(request.auth, made, evidence)
    return made


def _update_cause(request: ApiRequest, found: Cause, changes: dict[str, Any]) -> Any:
    sent = "evidence" in changes
    evidence = _cause_links(request, found.challenge_id, changes)
    if sent:
        services.link_cause_evidence(request.auth, found, evidence)
    return changes


register(router, PartType(
    "causes", "cause", Cause, s.CauseOut, s.CauseUpdate, resolve=_update_cause,
    list_out=s.CauseOut, filters=(BY_CHALLENGE,), ordering=("position", "pk"),
    list_summary="Causes of the challenges you can see (each names its parent: a tree)",
    create_in=s.CauseIn, create=_create_cause,
    create_summary="Add a cause to a challenge's tree (members)",
))  # fmt: skip


def _create_opportunity_area(request: ApiRequest, payload: s.OpportunityAreaIn) -> Any:
    challenge = get_visible(Challenge, request, payload.challenge)
    fields = payload.dict(exclude={"challenge"})
    return services.add_part(request.auth, challenge, OpportunityArea, **fields)


register(router, PartType(
    "opportunity-areas", "opportunity_area", OpportunityArea, s.OpportunityAreaOut,
    s.OpportunityAreaUpdate,
    list_out=s.OpportunityAreaOut, filters=(BY_CHALLENGE,),
    list_summary="Opportunity areas of the challenges you can see",
    create_in=s.OpportunityAreaIn, create=_create_opportunity_area,
    create_summary="Add an opportunity area to a challenge (members)",
))  # fmt: skip


# -- ideas and scores --------------------------------------------------------------------------
def _idea_detail(request: ApiRequest, idea: Idea) -> Idea:
    """The idea with the summary of its scores and the caller's own."""
    rubric = idea.challenge.criteria.criteria
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


def _create_idea(request: ApiRequest, payload: s.IdeaIn) -> Idea:
    challenge = get_visible(Challenge, request, payload.challenge)
    may_edit(request, challenge)
    fields = payload.dict(exclude={"challenge"})
    fields["opportunity_area"] = one_of(
        request, OpportunityArea, fields["opportunity_area"], "opportunity_area",
        challenge=challenge,
    )  # fmt: skip
    by = request.auth if request.auth.is_authenticated else None
    return services.add_part(request.auth, challenge, Idea, created_by=by, **fields)


def _update_idea(request: ApiRequest, found: Idea, changes: dict[str, Any]) -> Any:
    if "opportunity_area" in changes:
        changes["opportunity_area"] = one_of(
            request, OpportunityArea, changes["opportunity_area"], "opportunity_area",
            challenge_id=found.challenge_id,
        )  # fmt: skip
    return changes


register(router, PartType(
    "ideas", "idea", Idea, s.IdeaDetail, s.IdeaUpdate, resolve=_update_idea,
    present=_idea_detail, list_out=s.IdeaOut,
    list_summary="Ideas of the challenges you can see",
    filters=(
        BY_CHALLENGE,
        Filter("status", s.IdeaDecision | None, "status"),
        Filter("opportunity_area", Id | None, "opportunity_area_id"),
    ),
    create_in=s.IdeaIn, create=_create_idea,
    create_summary="Add an idea to a challenge (members)",
))  # fmt: skip


@router.post(
    "/ideas/{pk}/decision",
    response={200: s.IdeaDetail, **ERRORS},
    operation_id="decide_idea",
    summary="Advance, park or drop an idea, with the reason (members)",
    description="`open` reopens it. The reason is required otherwise, and kept.",
)
def decide_idea(request: ApiRequest, pk: Id, payload: s.IdeaDecisionIn) -> Any:
    found = get_visible(Idea, request, pk)
    services.decide_idea(request.auth, found, payload.status, payload.reason)
    return _idea_detail(request, get_visible(Idea, request, pk))


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
def score_idea(request: ApiRequest, pk: Id, payload: s.ScoresIn) -> Any:
    found = get_visible(Idea, request, pk)
    # The schema documents the body; its criteria are the rubric's, so read them as sent.
    scores = json.loads(request.body)
    if not scores:
        raise ValidationError({"scores": "Send at least one criterion and its score."})
    services.score_idea(request.auth, found, scores)
    return _idea_detail(request, get_visible(Idea, request, pk))


def _create_score(request: ApiRequest, payload: s.ScoreIn) -> Score:
    idea = get_visible(Idea, request, payload.idea)
    (made,) = services.score_idea(request.auth, idea, {payload.criterion: payload.value})
    return made


def _update_score(by: Any, score: Score, changes: dict[str, Any]) -> None:
    """A score is changed by its reviewer only (others may delete it)."""
    if score.reviewer_id != by.pk:
        raise PermissionDenied("only the reviewer changes a score")
    if "value" in changes:
        services.score_idea(by, score.idea, {score.criterion: changes["value"]})


register(router, PartType(
    "scores", "score", Score, s.ScoreOut, s.ScoreUpdate, update=_update_score,
    list_out=s.ScoreOut, list_summary="Scores of the ideas you can see",
    filters=(
        Filter("idea", Id | None, "idea_id"),
        Filter("challenge", Id | None, "idea__challenge_id"),
    ),
    ordering=("idea_id", "criterion", "pk"),
    create_in=s.ScoreIn, create=_create_score,
    create_summary="Score an idea on one criterion, as yourself (members)",
))  # fmt: skip
