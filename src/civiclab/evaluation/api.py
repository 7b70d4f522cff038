"""REST routes for evaluations: plans (lock, amend, the exported plan), power, randomisation,
analyses (queued to the worker: 202 and the result to follow) and their results."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from civiclab.accounts.authentication import AUTH_OR_ANONYMOUS, ApiRequest
from civiclab.core.api import ERRORS, READ_ERRORS, ErrorResponse, Id, Page
from civiclab.datasets.models import Dataset
from civiclab.datasets.queries import visible_datasets
from civiclab.evaluation.models import Assignment, EvaluationPlan, EvaluationResult
from civiclab.evaluation.queries import (
    latest_result,
    visible_assignments,
    visible_evaluations,
    visible_results,
)
from civiclab.evaluation.schemas import (
    AmendmentIn,
    AmendmentOut,
    AssignmentOut,
    EvaluationDetail,
    EvaluationFilters,
    EvaluationIn,
    EvaluationOut,
    EvaluationUpdate,
    PlanDocument,
    PowerIn,
    PowerOut,
    RandomiseIn,
    ResultOut,
)
from civiclab.evaluation.services import analysis, assignments, plans, power
from civiclab.indicators.queries import visible_indicators
from civiclab.portfolio.models import Solution
from civiclab.portfolio.queries import visible

router = Router(tags=["evaluation"])
EVALUATIONS = "/evaluations"
EVALUATION = EVALUATIONS + "/{evaluation_id}"
# Locks, amendments and analyses can also conflict with the plan's state (409).
WRITE_ERRORS = {**ERRORS, 409: ErrorResponse}


def _plan(request: ApiRequest, evaluation_id: int) -> EvaluationPlan:
    return get_object_or_404(visible_evaluations(request.auth), pk=evaluation_id)


def _refs(request: ApiRequest, city_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    """Slugs of the outcome's indicator or dataset → the objects (404 if not visible)."""
    if fields.get("outcome_indicator"):
        fields["outcome_indicator"] = get_object_or_404(
            visible_indicators(request.auth), city_id=city_id, slug=fields["outcome_indicator"]
        )
    if fields.get("outcome_dataset"):
        fields["outcome_dataset"] = get_object_or_404(
            visible_datasets(request.auth), city_id=city_id, slug=fields["outcome_dataset"]
        )
    for key in ("outcome_indicator", "outcome_dataset"):
        if key in fields and not fields[key]:
            fields[key] = None
    for key, value in list(fields.items()):
        if value is None and key in TEXT_FIELDS:
            fields[key] = ""
    return fields


TEXT_FIELDS = (
    "question", "hypothesis", "outcome_column", "unit_column", "time_column", "unit_label",
    "outcome_label", "outcome_unit",
    "comparison_group", "exclusions", "control_arm",
)  # fmt: skip
# Fields whose null means "unchanged" (they cannot be empty).
REQUIRED = (
    "title", "design", "visibility", "outcome_kind", "lower_is_better", "alpha", "power_target",
    "registered_after_data", "columns", "secondary_outcomes", "donors",
)  # fmt: skip


@router.get(
    EVALUATIONS,
    response=list[EvaluationOut],
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_evaluations",
    summary="Evaluations you can see",
)
@paginate(Page)
def list_evaluations(request: ApiRequest, filters: Query[EvaluationFilters]):
    found = visible_evaluations(request.auth).order_by("-updated_at", "-pk")
    if filters.city:
        found = found.filter(city__slug=filters.city)
    if filters.solution:
        found = found.filter(solution_id=filters.solution)
    return found


@router.post(
    EVALUATIONS,
    response={201: EvaluationDetail, **ERRORS},
    operation_id="create_evaluation",
    summary="Draft an evaluation plan for a solution (those who may edit the solution)",
    description=(
        "The plan is a draft until locked. Its visibility is never wider than the solution's "
        "(default: as wide as you may set, within it). The outcome is an indicator or a "
        "dataset column of the solution's city, by slug; one you cannot see is a `404`."
    ),
)
def create_evaluation(request: ApiRequest, payload: EvaluationIn, response: HttpResponse) -> Status:
    solution = get_object_or_404(visible(Solution, request.auth), pk=payload.solution)
    fields = payload.dict(exclude={"solution", "title", "design"}, exclude_none=True)
    if "columns" in fields:
        fields["columns"] = {k: v for k, v in fields["columns"].items() if v not in (None, [])}
    fields = _refs(request, solution.city_id, fields)
    made = plans.create_plan(request.auth, solution, payload.title, str(payload.design), **fields)
    response["Location"] = f"/api/v1/evaluations/{made.pk}"
    return Status(201, _plan(request, made.pk))


# Before the routes of one evaluation, so that "power" is not read as an evaluation's id.
@router.post(
    f"{EVALUATIONS}/power",
    response={200: PowerOut, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="calculate_power",
    summary="Power and sample size, without a plan",
    description=(
        "Give `n` (units in all arms) for the minimum detectable effect, `mde` for the units "
        "needed, or both for the power. Means need `sd`; yes/no outcomes `baseline` (a rate); "
        "cluster designs `icc` and `cluster_size`. A `422` names what is missing or too small "
        "(e.g. the effective n of a cluster design, with its ICC and cluster size)."
    ),
)
def calculate_power(request: ApiRequest, payload: PowerIn) -> dict[str, Any]:
    if payload.from_history:
        raise ValidationError({"from_history": _("History is a plan's: use its power route.")})
    asked = payload.dict(exclude_none=True, exclude={"from_history"})
    return power.calculate(asked)


@router.get(
    EVALUATION,
    response={200: EvaluationDetail, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="get_evaluation",
    summary="One evaluation plan, with its lock and amendments",
)
def get_evaluation(request: ApiRequest, evaluation_id: Id) -> EvaluationPlan:
    return _plan(request, evaluation_id)


@router.patch(
    EVALUATION,
    response={200: EvaluationDetail, **WRITE_ERRORS},
    operation_id="update_evaluation",
    summary="Change a draft plan (a locked plan: `409`, amend it instead)",
    description="Only the fields sent change. Changing the visibility needs a city admin.",
)
def update_evaluation(
    request: ApiRequest, evaluation_id: Id, payload: EvaluationUpdate
) -> EvaluationPlan:
    found = _plan(request, evaluation_id)
    changes = payload.dict(exclude_unset=True)
    for key in REQUIRED:
        if key in changes and changes[key] is None:
            del changes[key]
    if isinstance(changes.get("columns"), dict):
        changes["columns"] = {k: v for k, v in changes["columns"].items() if v not in (None, [])}
    if "design" in changes:
        changes["design"] = str(changes["design"])
    if "outcome_kind" in changes:
        changes["outcome_kind"] = str(changes["outcome_kind"])
    plans.update_plan(request.auth, found, _refs(request, found.city_id, changes))
    return _plan(request, evaluation_id)


@router.delete(
    EVALUATION,
    response={204: None, **ERRORS},
    operation_id="delete_evaluation",
    summary="Delete an evaluation plan (city admins)",
)
def delete_evaluation(request: ApiRequest, evaluation_id: Id) -> Status:
    plans.delete_plan(request.auth, _plan(request, evaluation_id))
    return Status(204, None)


@router.post(
    f"{EVALUATION}/lock",
    response={200: EvaluationDetail, **WRITE_ERRORS},
    operation_id="lock_evaluation",
    summary="Lock (pre-register) the plan: immutable from now on, with its SHA-256",
    description=(
        "Refused with `409`: `plan_incomplete` (question, outcome, analysis date, the "
        "intervention's start for time designs), `already_locked`, or `outcome_data_exist` "
        "when outcomes of the analysis window already exist and the plan does not say "
        "`registered_after_data`."
    ),
)
def lock_evaluation(request: ApiRequest, evaluation_id: Id) -> EvaluationPlan:
    plans.lock_plan(request.auth, _plan(request, evaluation_id))
    return _plan(request, evaluation_id)


@router.get(
    f"{EVALUATION}/plan.json",
    response={200: PlanDocument, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="get_evaluation_plan_document",
    summary="The plan as exported: its canonical content, SHA-256, lock and amendments",
    description=(
        "`content_hash` is the SHA-256 of `content` written as JSON with sorted keys, "
        "separators `,` and `:` and UTF-8; `locked_hash` the same of `locked_content`."
    ),
)
def get_evaluation_plan_document(request: ApiRequest, evaluation_id: Id) -> dict[str, Any]:
    return plans.plan_document(_plan(request, evaluation_id))


@router.get(
    f"{EVALUATION}/amendments",
    response={200: list[AmendmentOut], **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_evaluation_amendments",
    summary="The changes made to the plan after its lock, with their reasons",
)
def list_evaluation_amendments(request: ApiRequest, evaluation_id: Id) -> list[Any]:
    found = _plan(request, evaluation_id)
    return list(found.amendments.select_related("by", "plan__city"))


@router.post(
    f"{EVALUATION}/amendments",
    response={201: AmendmentOut, **WRITE_ERRORS},
    operation_id="amend_evaluation",
    summary="Change one field of a locked plan, with the reason",
    description="A draft plan is edited directly (`409` `plan_not_locked`).",
)
def amend_evaluation(request: ApiRequest, evaluation_id: Id, payload: AmendmentIn) -> Status:
    found = _plan(request, evaluation_id)
    value = payload.value
    if payload.field in ("outcome_indicator", "outcome_dataset"):
        resolved = _refs(request, found.city_id, {payload.field: value})
        value = getattr(resolved[payload.field], "pk", None)
    elif payload.field in plans.AMENDABLE and not _json_like(value):
        raise ValidationError(
            {"value": _("A value is text, a number, true/false, a list or null.")}
        )
    made = plans.amend_plan(request.auth, found, payload.field, value, payload.reason)
    made = found.amendments.select_related("by", "plan__city").get(pk=made.pk)
    return Status(201, made)


def _json_like(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool, list, dict))


@router.post(
    f"{EVALUATION}/power",
    response={200: PowerOut, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="evaluation_power",
    summary="Power for the plan, from the numbers given or the city's own history",
    description=(
        "As `calculate_power`, with the plan's design, outcome kind, significance and "
        "minimum detectable effect unless given; `from_history` estimates the baseline (mean, "
        "SD, ICC, serial correlation) from the plan's outcome data."
    ),
)
def evaluation_power(request: ApiRequest, evaluation_id: Id, payload: PowerIn) -> dict[str, Any]:
    return power.plan_power(request.auth, _plan(request, evaluation_id), payload.dict())


@router.post(
    f"{EVALUATION}/randomise",
    response={201: AssignmentOut, **WRITE_ERRORS},
    operation_id="randomise_evaluation",
    summary="Assign a dataset's units to arms (reproducible from the recorded seed)",
    description=(
        "The assignment is saved as a new version of a dataset of the city (`save_as`, "
        "default the plan's title and \u201cassignment\u201d), as visible as the plan; its "
        "seed and SHA-256 are recorded with the plan and in the audit log."
    ),
)
def randomise_evaluation(request: ApiRequest, evaluation_id: Id, payload: RandomiseIn) -> Status:
    found = _plan(request, evaluation_id)
    dataset: Dataset = get_object_or_404(
        visible_datasets(request.auth), city_id=found.city_id, slug=payload.dataset
    )
    made = assignments.randomise(request.auth, found, dataset, **payload.dict(exclude={"dataset"}))
    return Status(201, _assignment(request, made.pk))


def _assignment(request: ApiRequest, pk: int) -> Assignment:
    return get_object_or_404(
        visible_assignments(request.auth).select_related("saved_version__dataset"), pk=pk
    )


@router.get(
    f"{EVALUATION}/assignments",
    response={200: list[AssignmentOut], **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_evaluation_assignments",
    summary="The plan's assignments: method, seed, SHA-256, units per arm, balance",
)
def list_evaluation_assignments(request: ApiRequest, evaluation_id: Id) -> list[Any]:
    found = _plan(request, evaluation_id)
    return list(visible_assignments(request.auth).filter(plan=found))


@router.post(
    f"{EVALUATION}/analyse",
    response={202: ResultOut, **WRITE_ERRORS},
    operation_id="analyse_evaluation",
    summary="Analyse the plan's data (in the background): follow the result's `url`",
    description=(
        "Answers at once with the result for the plan as it is and the data as they are: "
        "cached when they have not changed (its `state` may already be `done`), else "
        "`queued` for the worker. `state` goes `queued` → `running` → `done` or `failed` "
        "(`error` says why, in words: too few clusters, no variation…)."
    ),
)
def analyse_evaluation(request: ApiRequest, evaluation_id: Id, response: HttpResponse) -> Status:
    made = analysis.request_analysis(request.auth, _plan(request, evaluation_id))
    result = _result(request, evaluation_id, made.pk)
    response["Location"] = f"/api/v1/evaluations/{evaluation_id}/results/{made.pk}"
    return Status(202, result)


def _result(request: ApiRequest, evaluation_id: int, result_id: int) -> EvaluationResult:
    return get_object_or_404(visible_results(request.auth), plan_id=evaluation_id, pk=result_id)


@router.get(
    f"{EVALUATION}/result",
    response={200: ResultOut, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="get_evaluation_latest_result",
    summary="The plan's newest result (`404` until one is requested)",
)
def get_evaluation_latest_result(request: ApiRequest, evaluation_id: Id) -> EvaluationResult:
    found = latest_result(_plan(request, evaluation_id))
    if found is None:
        from django.http import Http404

        raise Http404(_("No result yet."))
    return found


@router.get(
    f"{EVALUATION}/results/{{result_id}}",
    response={200: ResultOut, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="get_evaluation_result",
    summary="One result: its state and progress, then the estimate, strength and sentences",
)
def get_evaluation_result(
    request: ApiRequest, evaluation_id: Id, result_id: Id
) -> EvaluationResult:
    return _result(request, evaluation_id, result_id)
