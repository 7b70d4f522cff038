"""The shapes every part of the statistics shares: designs, the analysis asked for, the
estimate given back, and the messages (English templates with parameters, translated where
they are shown, as ``datasets/ingest`` does)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from civiclab.core.errors import DomainError


class Design(StrEnum):
    RCT = "rct"
    CLUSTER_RCT = "cluster_rct"
    STEPPED_WEDGE = "stepped_wedge"
    DID = "did"
    STAGGERED_DID = "staggered_did"
    ITS = "its"
    SYNTHETIC_CONTROL = "synthetic_control"
    PRE_POST = "pre_post"


class OutcomeKind(StrEnum):
    CONTINUOUS = "continuous"
    BINARY = "binary"  # 0/1: differences are in percentage points
    COUNT = "count"  # events per unit and period: Poisson models, an exposure offset if given


class Strength(StrEnum):
    """How far a result can be trusted, from its design and checks (never typed by hand)."""

    STRONG = "strong"
    MODERATE = "moderate"
    SUGGESTIVE = "suggestive"
    WEAK = "weak"


@dataclass(frozen=True)
class Message:
    """A sentence for a person: ``template`` is English with ``{name}`` fields filled from
    ``params`` (numbers stay numbers, so the reader's language can write them its way)."""

    code: str
    template: str
    params: dict[str, Any] = field(default_factory=dict)

    def english(self) -> str:
        return self.template.format(**self.params)


class EvaluationError(DomainError):
    """An analysis refused before computing anything that could mislead (too few clusters,
    no variation, a cohort without pre-periods…): ``message`` says which, in words."""

    status = 422
    code = "evaluation_refused"

    def __init__(self, message: Message) -> None:
        super().__init__(message.english(), code=message.code, details=message.params)
        self.message = message


@dataclass(frozen=True)
class Columns:
    """Which columns of the analysis table play which part. A row is one unit (and one period
    when ``time`` is given)."""

    outcome: str
    unit: str
    time: str | None = None
    treated: str | None = None  # 0/1: treated in this row (or, without time, assigned)
    arm: str | None = None  # the arm's name (RCTs with more than two arms: each against control)
    cohort: str | None = None  # the first treated period (staggered adoption); empty: never
    cluster: str | None = None  # the level of assignment, when it is not the unit
    weight: str | None = None
    exposure: str | None = None  # counts: the offset's exposure (population, days open…)
    covariates: tuple[str, ...] = ()
    strata: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnalysisSpec:
    design: Design
    columns: Columns
    outcome_kind: OutcomeKind = OutcomeKind.CONTINUOUS
    control_arm: str | None = None  # with ``arm``: the arm the others are compared with
    intervention_time: Any = None  # ITS, pre/post, DiD with one adoption date
    season_period: int | None = None  # ITS: periods per seasonal cycle (12 for months)
    treated_unit: Any = None  # synthetic control: the unit (city) that was treated
    alpha: float = 0.05
    seed: int = 20261206  # bootstraps and permutations are reproducible
    lower_is_better: bool = False
    # Rows whose outcome is missing: refused (naming how many) unless the plan says to drop
    # them; dropped rows are then reported as a failed check (attrition weakens the evidence).
    drop_missing_outcomes: bool = False
    # staggered DiD: "never_treated" or "not_yet_treated" units as the comparison
    control_group: str = "never_treated"


@dataclass(frozen=True)
class Check:
    """A pre-flight or diagnostic check and what it found (shown with the result)."""

    code: str
    passed: bool
    message: Message


@dataclass
class Estimate:
    """What an estimator found. ``estimate`` is in the outcome's units (percentage points for
    binary outcomes, a rate ratio − 1 is given in ``relative`` for counts)."""

    design: Design
    estimator: str  # e.g. "welch_t", "ols_hc2", "twfe_cluster", "callaway_santanna"
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float | None
    n: int  # units
    n_obs: int  # rows used
    n_clusters: int | None = None
    baseline: float | None = None  # control (or pre-period) mean: the relative effect's base
    relative: float | None = None
    relative_ci: tuple[float, float] | None = None
    checks: list[Check] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)
    chart: dict[str, Any] = field(default_factory=dict)  # points for the effect chart
    details: dict[str, Any] = field(default_factory=dict)  # e.g. every ATT(g,t)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy (the CLI's --json, the API, the stored result)."""
        return {
            "design": str(self.design),
            "estimator": self.estimator,
            "estimate": self.estimate,
            "se": self.se,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p_value": self.p_value,
            "n": self.n,
            "n_obs": self.n_obs,
            "n_clusters": self.n_clusters,
            "baseline": self.baseline,
            "relative": self.relative,
            "relative_ci": list(self.relative_ci) if self.relative_ci else None,
            "checks": [
                {"code": c.code, "passed": c.passed, "message": _message(c.message)}
                for c in self.checks
            ],
            "warnings": [_message(w) for w in self.warnings],
            "chart": self.chart,
            "details": self.details,
        }


def _message(message: Message) -> dict[str, Any]:
    return {
        "code": message.code,
        "template": message.template,
        "params": message.params,
        "text": message.english(),
    }
