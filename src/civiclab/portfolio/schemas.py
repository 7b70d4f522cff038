"""API shapes of the portfolio: what clients send and receive for each object type.

``…In`` is a creation (the parent is named by its id), ``…Update`` a PATCH (only the fields
sent change; ``null`` clears a field that may be empty and is ignored for one that may not).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, FilterSchema, Schema
from pydantic import ConfigDict, StrictInt, field_validator

from civiclab.accounts.people import PersonOut, person_for
from civiclab.core.permissions import DEFAULT_POLICY, Action, Visibility
from civiclab.core.schemas import FIELD_INT_MAX, InputSchema, StrictId
from civiclab.core.scoping import user_can
from civiclab.portfolio.filtersets import MAX_SEARCH
from civiclab.portfolio.models import LONG_TEXT_LIMIT, Score, scope
from civiclab.portfolio.rules.structured import (
    MAX_CRITERIA,
    MAX_TAG,
    MAX_TAGS,
    Criterion,
    Rubric,
    Tags,
)

Phase = Literal["investigate", "generate", "prepare", "deliver", "sustain", "closed"]
PriorityArea = Literal[
    "housing",
    "public_safety",
    "economic_opportunity",
    "health",
    "environment",
    "mobility",
    "resident_engagement",
    "government_operations",
    "education",
    "other",
]
EvidenceKind = Literal["data", "insight", "document"]
InsightMethod = Literal["", "interview", "ride_along", "survey", "workshop", "observation", "other"]
IdeaOrigin = Literal["team", "residents", "staff", "other_city", "partner"]
IdeaDecision = Literal["advanced", "parked", "dropped", "open"]
SolutionStatus = Literal["on_track", "at_risk", "off_track"]
SolutionStage = Literal["prepare", "deliver", "sustain", "stopped"]
RiskStatus = Literal["open", "mitigating", "closed"]
GateOutcome = Literal["go", "hold", "pivot", "stop"]

TITLE = Field(min_length=1, max_length=200)
# Free text: the models' limit (docs/portfolio.md), checked before anything is read.
LongText = Annotated[str, Field(max_length=LONG_TEXT_LIMIT)]
TAGS_HELP = f"Up to {MAX_TAGS} tags of 1 to {MAX_TAG} characters"
DEFAULT_VISIBILITY = "Default: as wide as you may set (members: city), within the challenge's"
WIDEST = "Wider than `city` needs a city admin; never wider than the challenge's"


def _email(user: Any) -> str | None:
    return user.email if user is not None else None


# -- challenges --------------------------------------------------------------------------------
class PhaseChangeOut(Schema):
    from_phase: str = Field(description="Empty for the first phase")
    to_phase: str
    note: str
    at: dt.datetime


VisibilityName = Literal["team", "city", "network", "public"]


# Declares the types of the parameters for the document; what they mean is
# ``filtersets.ChallengeFilterSet``'s (the pages' filters), which the route hands them to.
class ChallengeFilters(FilterSchema):
    """The challenge list's filters: the same as the board's and the portfolio table's. A value
    that is not one of the choices (an unknown city or cohort too) is refused with a 422."""

    city: str | None = Field(None, description="Only this city's (slug)")
    cohort: str | None = Field(None, description="Only the cities of this cohort (slug)")
    phase: Phase | None = None
    priority_area: PriorityArea | None = None
    visibility: VisibilityName | None = None
    q: str | None = Field(None, max_length=MAX_SEARCH, description="Title contains (ignoring case)")
    status: SolutionStatus | None = Field(
        None, description="Only those with a solution you can see in this status"
    )

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_all(cls, value: Any) -> Any:
        """``?phase=`` (a form's "All") filters nothing, as on the pages."""
        return None if value == "" else value


class ChallengeOut(Schema):
    id: int
    city: str = Field(alias="city.slug")
    team: int | None = Field(None, alias="team_id")
    title: str
    problem_statement: str
    priority_area: str
    target_population: str
    phase: str
    visibility: str
    owner: PersonOut | None = Field(None, description="The owner (email for colleagues only)")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_owner(obj: Any, context: Any) -> dict[str, Any] | None:
        return person_for(obj.owner, obj.city, context)


class ChallengeDetail(ChallengeOut):
    rubric: list[Criterion] = Field(description="The criteria ideas are scored on, 1–5")
    rubric_problem: str | None = Field(
        None,
        description="Set when the stored rubric is not valid: what is wrong with it. `rubric` "
        "then lists only its valid criteria",
    )
    phase_history: list[PhaseChangeOut] = Field(description="Oldest first")

    @staticmethod
    def resolve_rubric(obj: Any) -> list[dict[str, str]]:
        return list(obj.criteria.criteria)

    @staticmethod
    def resolve_rubric_problem(obj: Any) -> str | None:
        return obj.criteria.problem

    @staticmethod
    def resolve_phase_history(obj: Any) -> list[Any]:
        return list(obj.phase_changes.all())


class ChallengeIn(InputSchema):
    city: str = Field(description="The city's slug")
    title: str = TITLE
    problem_statement: LongText = ""
    priority_area: PriorityArea = "other"
    target_population: str = Field("", max_length=300)
    visibility: Visibility = Field(
        Visibility.CITY, description="Wider than `city` needs a city admin"
    )
    team: StrictId | None = Field(None, description="A team of the city (its id)")


class ChallengeUpdate(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    problem_statement: LongText | None = None
    priority_area: PriorityArea | None = None
    target_population: str | None = Field(None, max_length=300)
    visibility: Visibility | None = Field(None, description="Changing it needs a city admin")
    team: StrictId | None = None
    rubric: Rubric | None = Field(
        None, description=f"[{{key, label}}, …]: 1 to {MAX_CRITERIA} criteria, distinct keys"
    )


class PhaseIn(InputSchema):
    phase: Phase
    note: LongText = ""


# -- evidence ----------------------------------------------------------------------------------
class EvidenceOut(Schema):
    id: int
    challenge: int = Field(alias="challenge_id")
    kind: str
    title: str
    body: str
    indicator: str | None = Field(None, description="The indicator's slug")
    dataset: str | None = Field(None, description="The dataset's slug")
    snapshot: dict[str, Any] = Field(
        description="The indicator's number when this was recorded (empty when withheld)"
    )
    snapshot_withheld: bool = Field(
        description="The number comes from data that is not shared with you (any more)"
    )
    method: str
    observed_on: dt.date | None
    consent: bool
    tags: list[str]
    url: str
    visibility: str
    created_at: dt.datetime

    # What of its sources the caller may read: the annotations of
    # portfolio.queries.with_sources_shown; without them, nothing is shown.
    @staticmethod
    def resolve_snapshot(obj: Any) -> dict[str, Any]:
        snapshot = obj.shown_snapshot if getattr(obj, "snapshot_shown", False) else None
        return snapshot.model_dump(exclude_unset=True) if snapshot else {}

    @staticmethod
    def resolve_snapshot_withheld(obj: Any) -> bool:
        return bool(obj.snapshot) and not getattr(obj, "snapshot_shown", False)

    @staticmethod
    def resolve_tags(obj: Any) -> list[str]:
        return list(obj.shown_tags)

    @staticmethod
    def resolve_indicator(obj: Any) -> str | None:
        shown = obj.indicator_id and getattr(obj, "indicator_shown", False)
        return obj.indicator.slug if shown else None

    @staticmethod
    def resolve_dataset(obj: Any) -> str | None:
        shown = obj.dataset_id and getattr(obj, "dataset_shown", False)
        return obj.dataset.slug if shown else None


class EvidenceIn(InputSchema):
    challenge: StrictId
    kind: EvidenceKind
    title: str = TITLE
    body: LongText = ""
    indicator: str | None = Field(None, description="Slug of an indicator of the challenge's city")
    dataset: str | None = Field(None, description="Slug of a dataset of the challenge's city")
    method: InsightMethod = ""
    observed_on: dt.date | None = None
    consent: bool = False
    tags: Tags = Field(default_factory=list, description=TAGS_HELP)
    url: str = Field("", max_length=500)
    visibility: Visibility | None = Field(None, description=f"{DEFAULT_VISIBILITY}. {WIDEST}")


class EvidenceUpdate(InputSchema):
    kind: EvidenceKind | None = None
    title: str | None = Field(None, min_length=1, max_length=200)
    body: LongText | None = None
    indicator: str | None = None
    dataset: str | None = None
    method: InsightMethod | None = None
    observed_on: dt.date | None = None
    consent: bool | None = None
    tags: Tags | None = Field(None, description=TAGS_HELP)
    url: str | None = Field(None, max_length=500)
    visibility: Visibility | None = Field(None, description=WIDEST)


# -- causes and opportunity areas --------------------------------------------------------------
class CauseOut(Schema):
    id: int
    challenge: int = Field(alias="challenge_id")
    parent: int | None = Field(None, alias="parent_id")
    text: str
    position: int
    evidence: list[int] = Field(description="Ids of the evidence that supports it")

    @staticmethod
    def resolve_evidence(obj: Any) -> list[int]:
        return [e.pk for e in obj.evidence.all()]


class CauseIn(InputSchema):
    challenge: StrictId
    text: str = Field(min_length=1, max_length=300)
    parent: StrictId | None = Field(None, description="The parent cause's id; none for a root")
    position: StrictInt = Field(0, ge=0, le=FIELD_INT_MAX)
    evidence: list[StrictId] = Field(default_factory=list, description="Evidence ids")


class CauseUpdate(InputSchema):
    text: str | None = Field(None, min_length=1, max_length=300)
    parent: StrictId | None = None
    position: StrictInt | None = Field(None, ge=0, le=FIELD_INT_MAX)
    evidence: list[StrictId] | None = None


class OpportunityAreaOut(Schema):
    id: int
    challenge: int = Field(alias="challenge_id")
    title: str
    description: str


class OpportunityAreaIn(InputSchema):
    challenge: StrictId
    title: str = TITLE
    description: LongText = ""


class OpportunityAreaUpdate(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    description: LongText | None = None


# -- ideas and scores --------------------------------------------------------------------------
class IdeaOut(Schema):
    id: int
    challenge: int = Field(alias="challenge_id")
    opportunity_area: int | None = Field(None, alias="opportunity_area_id")
    title: str
    description: str
    origin: str
    origin_detail: str
    status: str
    decision_reason: str
    decided_at: dt.datetime | None
    created_at: dt.datetime


class CriterionSummaryOut(Schema):
    criterion: str
    label: str
    mean: float | None
    low: int | None
    high: int | None
    spread: float | None = Field(description="Standard deviation of the reviewers' scores")
    reviewers: int


class ScoreSummaryOut(Schema):
    criteria: list[CriterionSummaryOut]
    mean: float | None = Field(description="The mean of the criteria's means")
    reviewers: int
    disagreement: bool = Field(description="Reviewers 2 or more points apart on a criterion")
    quadrant: str | None = Field(
        description="quick_wins, big_bets, small_steps or deprioritise (impact × feasibility)"
    )


class IdeaDetail(IdeaOut):
    summary: ScoreSummaryOut
    my_scores: dict[str, int] = Field(description="The caller's own scores, by criterion")


class IdeaIn(InputSchema):
    challenge: StrictId
    title: str = TITLE
    description: LongText = ""
    origin: IdeaOrigin = "team"
    origin_detail: str = Field("", max_length=200)
    opportunity_area: StrictId | None = None


class IdeaUpdate(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    description: LongText | None = None
    origin: IdeaOrigin | None = None
    origin_detail: str | None = Field(None, max_length=200)
    opportunity_area: StrictId | None = None


class IdeaDecisionIn(InputSchema):
    status: IdeaDecision
    reason: LongText = Field("", description="Required unless the idea is reopened")


class ScoreOut(Schema):
    id: int
    idea: int = Field(alias="idea_id")
    criterion: str
    value: int
    mine: bool = Field(False, description="Whether the caller gave this score")
    reviewer: str | None = Field(
        None, description="The reviewer's email, shown only to those who may edit the idea"
    )

    @staticmethod
    def resolve_mine(obj: Any, context: Any) -> bool:
        user = context["request"].auth
        return bool(obj.reviewer_id == getattr(user, "pk", None))

    @staticmethod
    def resolve_reviewer(obj: Any, context: Any) -> str | None:
        user = context["request"].auth
        if user_can(user, Action.EDIT, obj, DEFAULT_POLICY, scope(Score)):
            return _email(obj.reviewer) if obj.reviewer is not None else obj.reviewer_label
        return None


class ScoresIn(Schema):
    """The caller's scores of an idea: ``{"impact": 4, "feasibility": 3, …}``."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={"additionalProperties": {"type": "integer", "minimum": 1, "maximum": 5}},
    )


class ScoreIn(InputSchema):
    idea: StrictId
    criterion: str = Field(description="A key of the challenge's rubric")
    value: StrictInt = Field(ge=1, le=5)


class ScoreUpdate(InputSchema):
    value: StrictInt | None = Field(None, ge=1, le=5)


# -- solutions and their parts -----------------------------------------------------------------
class TargetOut(Schema):
    indicator: str = Field(alias="indicator.slug")
    name: str = Field(alias="indicator.name")
    target_value: float | None
    target_date: dt.date | None


class SolutionOut(Schema):
    id: int
    challenge: int = Field(alias="challenge_id")
    idea: int | None = Field(None, alias="idea_id")
    city: str = Field(alias="city.slug")
    team: int | None = Field(None, alias="team_id")
    title: str
    description: str
    goal_statement: str
    owner: PersonOut | None = Field(None, description="The owner (email for colleagues only)")
    partners: str
    budget_planned: Decimal | None
    budget_spent: Decimal | None
    currency: str
    stage: str
    status: str
    status_justification: str
    start_date: dt.date | None
    end_date: dt.date | None
    visibility: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_owner(obj: Any, context: Any) -> dict[str, Any] | None:
        return person_for(obj.owner, obj.city, context)


class SolutionDetail(SolutionOut):
    targets: list[TargetOut] = Field(description="Indicators it is measured by, with targets")

    @staticmethod
    def resolve_targets(obj: Any) -> list[Any]:
        return list(obj.targets.select_related("indicator"))


class SolutionFields(InputSchema):
    description: LongText = ""
    goal_statement: LongText = Field("", description="Reduce X from A to B by DATE")
    partners: LongText = ""
    budget_planned: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    budget_spent: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    currency: str = Field("", max_length=3)
    stage: SolutionStage = "prepare"
    status: SolutionStatus = "on_track"
    status_justification: LongText = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class SolutionIn(SolutionFields):
    challenge: StrictId | None = Field(None, description="Default: the idea's challenge")
    idea: StrictId | None = Field(None, description="The idea it comes from (then marked advanced)")
    title: str = TITLE
    visibility: Visibility | None = Field(None, description=f"{DEFAULT_VISIBILITY}. {WIDEST}")


class SolutionUpdate(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    description: LongText | None = None
    goal_statement: LongText | None = None
    partners: LongText | None = None
    budget_planned: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    budget_spent: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    currency: str | None = Field(None, max_length=3)
    stage: SolutionStage | None = None
    status: SolutionStatus | None = Field(None, description="A change needs status_justification")
    status_justification: LongText | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    visibility: Visibility | None = Field(None, description=WIDEST)


class TargetIn(InputSchema):
    indicator: str = Field(description="Slug of an indicator of the solution's city")
    target_value: float | None = None
    target_date: dt.date | None = None


MILESTONE_OWNER = "A member of the solution's city (user id), reminded when it comes due"


class MilestoneOut(Schema):
    id: int
    solution: int = Field(alias="solution_id")
    title: str
    due_on: dt.date
    done_on: dt.date | None
    notes: str
    state: str = Field(description="done, slipping (past due) or upcoming")
    owner: PersonOut | None = Field(None, description="Reminded when it comes due or slips")

    @staticmethod
    def resolve_state(obj: Any) -> str:
        return str(obj.state())

    @staticmethod
    def resolve_owner(obj: Any, context: Any) -> dict[str, Any] | None:
        return person_for(obj.owner, obj.solution.city, context)


class MilestoneIn(InputSchema):
    solution: StrictId
    title: str = TITLE
    due_on: dt.date
    done_on: dt.date | None = None
    notes: LongText = ""
    owner: StrictId | None = Field(None, description=MILESTONE_OWNER)


class MilestoneUpdate(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    due_on: dt.date | None = None
    done_on: dt.date | None = None
    notes: LongText | None = None
    owner: StrictId | None = Field(None, description=f"{MILESTONE_OWNER}; null: nobody")


class RiskOut(Schema):
    id: int
    solution: int = Field(alias="solution_id")
    title: str
    likelihood: int
    impact: int
    severity: int = Field(description="likelihood × impact")
    mitigation: str
    status: str


class RiskIn(InputSchema):
    solution: StrictId
    title: str = TITLE
    likelihood: StrictInt = Field(ge=1, le=5)
    impact: StrictInt = Field(ge=1, le=5)
    mitigation: LongText = ""
    status: RiskStatus = "open"


class RiskUpdate(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    likelihood: StrictInt | None = Field(None, ge=1, le=5)
    impact: StrictInt | None = Field(None, ge=1, le=5)
    mitigation: LongText | None = None
    status: RiskStatus | None = None


class DecisionOut(Schema):
    id: int
    solution: int = Field(alias="solution_id")
    gate: str
    outcome: str
    reason: str
    decided_on: dt.date


class DecisionIn(InputSchema):
    solution: StrictId
    gate: str = Field(min_length=1, max_length=100, description="e.g. prepare → deliver")
    outcome: GateOutcome
    reason: LongText = Field(min_length=1)


class DecisionUpdate(InputSchema):
    gate: str | None = Field(None, min_length=1, max_length=100)
    outcome: GateOutcome | None = None
    reason: LongText | None = Field(None, min_length=1)
    decided_on: dt.date | None = None


class UpdateOut(Schema):
    id: int
    solution: int = Field(alias="solution_id")
    body: str
    status: str = Field(description="The status reported with it, or empty")
    at: dt.datetime


class UpdateIn(InputSchema):
    solution: StrictId
    body: LongText = Field(min_length=1)
    status: Literal["", "on_track", "at_risk", "off_track"] = Field(
        "", description="Becomes the solution's status, justified by the update"
    )


class UpdateUpdate(InputSchema):
    body: LongText | None = Field(None, min_length=1)


# -- export and import -------------------------------------------------------------------------
class ImportIn(InputSchema):
    city: str = Field(description="The slug of the city that receives the challenge")
    document: dict[str, Any] = Field(description="A document from GET /challenges/{id}/export")


class ImportOut(Schema):
    challenge: ChallengeDetail
    warnings: list[str] = Field(description="Links dropped: indicators or datasets not found")


class AttachmentOut(Schema):
    id: int
    evidence: int | None = Field(alias="evidence_id")
    decision: int | None = Field(alias="decision_id")
    filename: str
    size: int
    content_type: str = Field(description="The type read from the file's bytes")
    sha256: str
    uploaded_at: dt.datetime
