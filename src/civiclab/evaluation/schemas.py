"""API shapes of evaluations: a plan, its lock and amendments, power, assignments, results."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from civiclab.accounts.people import PersonOut, person_for
from civiclab.core.api import Id
from civiclab.core.permissions import Visibility
from civiclab.core.schemas import FIELD_INT_MAX, InputSchema, StrictId
from civiclab.evaluation.stats.types import Design, OutcomeKind

Name = Annotated[str, Field(min_length=1, max_length=200)]
Weight = Annotated[int, Field(ge=1, le=1000)]

COLUMNS_HELP = (
    "Which columns play which part: `treated`, `arm`, `cohort`, `cluster`, `weight`, "
    "`exposure` (one column name each), `covariates` and `strata` (lists of column names)"
)


class EvaluationFilters(Schema):
    city: str | None = Field(None, description="Only this city's (slug)")
    solution: Id | None = Field(None, description="Only this solution's (id)")


class AnalysisColumns(Schema):
    treated: str | None = Field(None, max_length=200)
    arm: str | None = Field(None, max_length=200)
    cohort: str | None = Field(None, max_length=200)
    cluster: str | None = Field(None, max_length=200)
    weight: str | None = Field(None, max_length=200)
    exposure: str | None = Field(None, max_length=200)
    covariates: list[Name] = Field(default_factory=list, max_length=50)
    strata: list[Name] = Field(default_factory=list, max_length=10)


class PlanFields(InputSchema):
    """The pre-registered fields a client may send (all optional on update)."""

    question: str | None = Field(None, max_length=5000)
    hypothesis: str | None = Field(None, max_length=5000)
    outcome_indicator: str | None = Field(
        None, description="Slug of an indicator of the city (or give a dataset column)"
    )
    outcome_dataset: str | None = Field(None, description="Slug of a dataset of the city")
    outcome_column: str | None = Field(None, max_length=200)
    unit_column: str | None = Field(None, max_length=200)
    time_column: str | None = Field(None, max_length=200)
    outcome_kind: OutcomeKind | None = None
    outcome_label: str | None = Field(
        None, max_length=200, description="How the result names it (default: the column)"
    )
    outcome_unit: str | None = Field(None, max_length=60, description="e.g. days")
    lower_is_better: bool | None = None
    secondary_outcomes: list[Annotated[str, Field(max_length=500)]] | None = Field(
        None, max_length=50
    )
    unit_label: str | None = Field(None, max_length=60, description="resident, property…")
    comparison_group: str | None = Field(None, max_length=5000)
    exclusions: str | None = Field(None, max_length=5000)
    intervention_date: dt.date | None = Field(
        None, description="The pilot's first day: the analysis window starts here"
    )
    analysis_date: dt.date | None = None
    minimum_detectable_effect: float | None = Field(None, gt=0, allow_inf_nan=False)
    alpha: float | None = Field(None, gt=0, lt=0.5, allow_inf_nan=False)
    power_target: float | None = Field(None, gt=0, lt=1, allow_inf_nan=False)
    columns: AnalysisColumns | None = Field(None, description=COLUMNS_HELP)
    control_arm: str | None = Field(None, max_length=100)
    season_period: int | None = Field(None, ge=1, le=366)
    donors: list[Name] | None = Field(
        None,
        max_length=200,
        description="Synthetic control: peer cities (slugs); empty: every peer that shares "
        "an indicator of the same slug with the network",
    )
    registered_after_data: bool | None = Field(
        None, description="Outcome data of the analysis window already exist (said in results)"
    )


class EvaluationIn(PlanFields):
    solution: StrictId = Field(description="The solution evaluated (its id)")
    title: str = Field(min_length=1, max_length=200)
    design: Design
    visibility: Visibility | None = Field(
        None, description="Never wider than the solution's; wider than `city`: city admins"
    )


class EvaluationUpdate(PlanFields):
    title: str | None = Field(None, min_length=1, max_length=200)
    design: Design | None = None
    visibility: Visibility | None = Field(None, description="Changing it needs a city admin")


class AmendmentIn(InputSchema):
    field: str = Field(min_length=1, max_length=60, description="The plan's field that changes")
    value: Any = Field(description="Its new value (an indicator or dataset by its slug)")
    reason: str = Field(min_length=1, max_length=5000)


class AmendmentOut(Schema):
    id: int
    field: str
    before: Any = None
    after: Any = None
    reason: str
    at: datetime
    content_hash: str
    by: PersonOut | None = None

    @staticmethod
    def resolve_by(obj: Any, context: Any) -> dict[str, Any] | None:
        return person_for(obj.by, obj.plan.city, context)


class EvaluationOut(Schema):
    id: int
    title: str
    city: str = Field(alias="city.slug")
    solution: int = Field(alias="solution_id")
    design: str
    visibility: str
    locked: bool = Field(alias="is_locked")
    locked_at: datetime | None = None
    content_hash: str = Field(description="SHA-256 of the locked plan (empty until locked)")
    registered_after_data: bool
    updated_at: datetime


class EvaluationDetail(EvaluationOut):
    question: str
    hypothesis: str
    outcome_indicator: str | None = None
    outcome_dataset: str | None = None
    outcome_column: str
    unit_column: str
    time_column: str
    outcome_kind: str
    outcome_label: str
    outcome_unit: str
    lower_is_better: bool
    secondary_outcomes: list[Any]
    unit_label: str
    comparison_group: str
    exclusions: str
    intervention_date: dt.date | None = None
    analysis_date: dt.date | None = None
    minimum_detectable_effect: float | None = None
    alpha: float
    power_target: float
    columns: dict[str, Any]
    control_arm: str
    season_period: int | None = None
    donors: list[str]
    owner: PersonOut | None = None
    amendments: list[AmendmentOut]

    @staticmethod
    def resolve_outcome_indicator(obj: Any) -> str | None:
        return obj.outcome_indicator.slug if obj.outcome_indicator_id else None

    @staticmethod
    def resolve_outcome_dataset(obj: Any) -> str | None:
        return obj.outcome_dataset.slug if obj.outcome_dataset_id else None

    @staticmethod
    def resolve_owner(obj: Any, context: Any) -> dict[str, Any] | None:
        return person_for(obj.owner, obj.city, context)

    @staticmethod
    def resolve_amendments(obj: Any) -> list[Any]:
        return list(obj.amendments.select_related("by", "plan__city"))


class PlanDocument(Schema):
    id: int
    hash_algorithm: str
    hash_version: int
    canonical_form: str
    locked: bool
    locked_at: str | None = None
    locked_content: dict[str, Any] | None = None
    locked_hash: str | None = None
    content: dict[str, Any] = Field(description="The pre-registered fields, as now")
    content_hash: str = Field(description="SHA-256 of `content` in its canonical form")
    amendments: list[dict[str, Any]]
    assignments: list[dict[str, Any]] = Field(description="Seeds and SHA-256 of assignments")


class PowerIn(InputSchema):
    """A power calculation. Give ``n`` for the minimum detectable effect, or ``mde`` for the
    sample size; ``from_history`` estimates the baseline (mean, SD, ICC, serial correlation)
    from the plan's outcome data instead of the numbers given."""

    design: Design | None = Field(None, description="Default: the plan's")
    outcome_kind: OutcomeKind | None = Field(None, description="Default: the plan's")
    alpha: float | None = Field(None, gt=0, lt=0.5, allow_inf_nan=False)
    power: float | None = Field(None, gt=0, lt=1, allow_inf_nan=False)
    n: int | None = Field(None, ge=2, le=FIELD_INT_MAX, description="Units (both arms)")
    mde: float | None = Field(None, gt=0, allow_inf_nan=False, description="In outcome units")
    sd: float | None = Field(None, gt=0, allow_inf_nan=False)
    baseline: float | None = Field(None, allow_inf_nan=False, description="Mean or rate")
    icc: float | None = Field(None, ge=0, lt=1, allow_inf_nan=False)
    cluster_size: float | None = Field(None, ge=1, allow_inf_nan=False)
    cluster_cv: float | None = Field(None, ge=0, allow_inf_nan=False)
    treated_share: float | None = Field(None, gt=0, lt=1, allow_inf_nan=False)
    from_history: bool = False


class PowerOut(Schema):
    design: str
    outcome_kind: str
    alpha: float
    power: float | None = None
    n: float | None = None
    mde: float | None = None
    design_effect: float | None = None
    effective_n: float | None = None
    baseline: dict[str, Any] | None = Field(None, description="From history: mean, SD, ICC…")
    curve: list[dict[str, Any]] = Field(default_factory=list, description="{n, power} points")
    details: dict[str, Any] = Field(default_factory=dict)
    messages: list[dict[str, Any]] = Field(default_factory=list)


class RandomiseIn(InputSchema):
    dataset: str = Field(description="Slug of the dataset of units (a dataset of the city)")
    unit_column: str = Field(min_length=1, max_length=200)
    method: Literal["simple", "complete", "blocked", "stratified", "cluster", "stepped_wedge"]
    arms: list[Name] = Field(default_factory=lambda: ["control", "treatment"], max_length=20)
    ratio: list[Weight] | None = Field(
        None, max_length=20, description="Allocation ratio, one whole number per arm (1:1…)"
    )
    strata: list[Name] = Field(default_factory=list, max_length=10)
    cluster_column: str | None = Field(None, max_length=200)
    block_size: int | None = Field(None, ge=2, le=1000)
    steps: int | None = Field(None, ge=2, le=100, description="Stepped wedge: periods")
    covariates: list[Name] = Field(default_factory=list, max_length=50)
    seed: int | None = Field(None, ge=0, le=2**62, description="Default: drawn and recorded")
    save_as: str | None = Field(
        None, max_length=200, description="The dataset the assignment is saved as"
    )


class AssignmentOut(Schema):
    id: int
    method: str
    seed: int
    arms: list[Any]
    unit_column: str
    strata: list[Any]
    cluster_column: str
    assignment_hash: str
    counts: dict[str, Any]
    balance: list[Any]
    dataset: str | None = Field(None, description="Slug of the saved assignment's dataset")
    version: int | None = None
    created_at: datetime

    @staticmethod
    def resolve_dataset(obj: Any) -> str | None:
        saved = obj.saved_version
        return saved.dataset.slug if saved is not None else None

    @staticmethod
    def resolve_version(obj: Any) -> int | None:
        return obj.saved_version.number if obj.saved_version is not None else None


class ResultOut(Schema):
    id: int
    evaluation: int = Field(alias="plan_id")
    state: str
    stage: str
    progress: float
    plan_hash: str = Field(description="The key of the plan's content and lock it was made for")
    data_version: str = Field(description="The key of the data versions it read")
    pre_registered: bool
    registered_after_data: bool
    estimate: dict[str, Any] = Field(description="Estimate.as_dict() once done")
    strength: str
    sentences: list[dict[str, Any]] = Field(description="{code, template, params, text}")
    deviations: list[dict[str, Any]]
    error: dict[str, Any]
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    url: str = Field(description="Where to read this result")

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return f"/api/v1/evaluations/{obj.plan_id}/results/{obj.pk}"
