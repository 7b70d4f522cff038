"""Power and sample size, for a plan or on its own: the calculator's question → ``stats.power``.

Sizes are given and returned in units *in all arms* (``n``); ``stats.power`` works per arm.
The question is answered by what it gives: ``n`` → the minimum detectable effect (MDE);
``mde`` → the units needed; both → the power. The outcome's kind picks the test: means for
continuous outcomes and counts (``sd``), proportions for binary ones (``baseline`` is the rate
of the comparison group). Cluster designs (``cluster_rct``, ``stepped_wedge``, or any ``icc``)
use the design effect ``1 + ICC·((m−1) + m·CV²)`` and count clusters of ``cluster_size``.

``from_history`` (a plan's calculator) reads the plan's outcome data through the one door and
estimates the baseline from it (``stats.history``): mean, SD, ICC and serial correlation, which
then stand in for the numbers not given.
"""

from __future__ import annotations

import math
from typing import Any

from civiclab.core.permissions import Action
from civiclab.evaluation.models import EvaluationPlan
from civiclab.evaluation.services.plans import check_plan
from civiclab.evaluation.stats.types import Design, EvaluationError, Message, OutcomeKind

CLUSTER_DESIGNS = (Design.CLUSTER_RCT, Design.STEPPED_WEDGE)
CURVE_POINTS = 30


def _refuse(code: str, template: str, **params: Any) -> EvaluationError:
    return EvaluationError(Message(code, template, params))


def plan_power(by: Any, plan: EvaluationPlan, question: dict[str, Any]) -> dict[str, Any]:
    """The calculator for ``plan``: its design, outcome kind and significance unless asked
    otherwise, and its own history when ``from_history`` is set. Reading, not writing: whoever
    may see the plan may ask.

    From history, DiD and ITS plans get the MDE of placebo evaluations on the real panel
    (``stats.history.simulate_mde``; ``curve`` is then power against the effect); the other
    designs take the baseline's SD (and ICC, with a cluster column) into the calculator."""
    check_plan(by, Action.VIEW, plan)
    asked = {key: value for key, value in question.items() if value is not None}
    asked.setdefault("design", plan.design)
    asked.setdefault("outcome_kind", plan.outcome_kind)
    asked.setdefault("alpha", plan.alpha)
    asked.setdefault("power", plan.power_target)
    if "n" not in asked and "mde" not in asked and plan.minimum_detectable_effect:
        asked["mde"] = plan.minimum_detectable_effect
    if not asked.pop("from_history", False):
        return {**calculate(asked, lower_is_better=plan.lower_is_better), "baseline": None}
    try:
        return _from_history(plan, asked)
    except EvaluationError:
        raise
    except NUMERIC_ERRORS as exc:
        raise _numeric_refusal(exc) from exc


def _cross_section(frame: Any, columns: Any) -> dict[str, Any]:
    """One measurement per unit (no time column): the outcome's mean and SD, and — with a
    cluster column — the ICC between clusters (``stats.history``'s ANOVA estimator, each
    cluster's units in place of its periods)."""
    from civiclab.evaluation.stats import history

    values = frame[columns.outcome].dropna().astype(float)
    if len(values) < 2:
        raise _refuse(
            "history_too_short", "The history needs at least 2 values (it has {n}).", n=len(values)
        )
    icc = None
    if columns.cluster:
        found = history.baseline(
            frame, unit=columns.cluster, time=columns.unit, outcome=columns.outcome
        )
        icc = found.icc
    return {
        "mean": float(values.mean()),
        "sd": float(values.std()),
        "icc": icc,
        "serial_correlation": None,
        "n_units": int(frame[columns.unit].nunique()),
        "n_periods": 1,
        "n_obs": len(values),
    }


def _from_history(plan: EvaluationPlan, asked: dict[str, Any]) -> dict[str, Any]:
    from civiclab.evaluation.services.data import load_plan_data
    from civiclab.evaluation.stats import history

    data = load_plan_data(plan)
    columns = data.spec.columns
    frame = data.frame
    if columns.time is not None and frame[columns.unit].nunique() < 2:
        baseline = _cross_section(frame, columns)  # one series: its mean and SD over time
        baseline["n_periods"] = int(frame[columns.time].nunique())
    elif columns.time is not None:
        # The ICC that matters is the one between the units of assignment.
        group = columns.cluster or columns.unit
        found = history.baseline(frame, unit=group, time=columns.time, outcome=columns.outcome)
        baseline = found.as_dict()
    else:
        baseline = _cross_section(frame, columns)
    design = Design(asked["design"])
    if design in (Design.DID, Design.ITS) and columns.time is not None:
        simulated = history.simulate_mde(
            frame,
            unit=columns.unit,
            time=columns.time,
            outcome=columns.outcome,
            design=design,
            treated_share=float(asked.get("treated_share") or 0.5),
            alpha=float(asked["alpha"]),
            power=float(asked["power"]),
        )
        result = simulated.as_dict()
        return {
            "design": str(design),
            "outcome_kind": str(asked["outcome_kind"]),
            "alpha": simulated.alpha,
            "power": simulated.power,
            "n": simulated.n_units,
            "mde": simulated.mde,
            "design_effect": None,
            "effective_n": None,
            "baseline": baseline,
            "curve": [{"effect": e, "power": p} for e, p in simulated.curve],
            "details": {key: v for key, v in result.items() if key != "curve"},
            "messages": [],
        }
    asked.setdefault("sd", baseline["sd"])
    if columns.cluster:
        asked.setdefault("icc", baseline["icc"])
        sizes = frame.groupby(columns.cluster)[columns.unit].nunique()
        asked.setdefault("cluster_size", float(sizes.mean()))
        if len(sizes) > 1 and sizes.mean() > 0:
            asked.setdefault("cluster_cv", float(sizes.std() / sizes.mean()))
    if asked.get("outcome_kind") == OutcomeKind.BINARY:
        asked.setdefault("baseline", baseline["mean"])
    if "n" not in asked and "mde" not in asked:
        asked["n"] = int(frame[columns.unit].nunique())
    return {**calculate(asked, lower_is_better=plan.lower_is_better), "baseline": baseline}


# What a numerical routine raises on numbers it cannot work with (an α of 1e-300…): answered
# as a refusal naming the question, never as a server error.
NUMERIC_ERRORS = (ValueError, ArithmeticError, TypeError)


def _numeric_refusal(exc: Exception) -> EvaluationError:
    return _refuse(
        "power_not_computable",
        "Power cannot be computed for these numbers ({error}); check that they are plausible.",
        error=str(exc)[:200] or type(exc).__name__,
    )


def calculate(asked: dict[str, Any], lower_is_better: bool = False) -> dict[str, Any]:
    """Answer one question of the calculator (see the module docstring)."""
    try:
        return _calculate(asked, lower_is_better)
    except EvaluationError:
        raise
    except NUMERIC_ERRORS as exc:
        raise _numeric_refusal(exc) from exc


def _calculate(asked: dict[str, Any], lower_is_better: bool) -> dict[str, Any]:
    from civiclab.evaluation.stats import power as stats_power

    design = Design(asked.get("design") or Design.RCT)
    kind = OutcomeKind(asked.get("outcome_kind") or OutcomeKind.CONTINUOUS)
    alpha = float(asked.get("alpha") or 0.05)
    target = float(asked.get("power") or 0.8)
    n, mde = asked.get("n"), asked.get("mde")
    if n is None and mde is None:
        raise _refuse(
            "power_question",
            "Give the number of units (for the smallest detectable effect) or the effect to "
            "detect (for the number of units).",
        )
    share = float(asked.get("treated_share") or 0.5)
    ratio = share / (1 - share)
    per_arm = None if n is None else n / (1 + ratio)  # the first (control) arm's units
    icc = asked.get("icc")
    clustered = design in CLUSTER_DESIGNS or bool(icc)
    sd = asked.get("sd")
    if kind == OutcomeKind.BINARY:
        p0 = asked.get("baseline")
        if p0 is None or not 0 < p0 < 1:
            raise _refuse(
                "power_needs_rate",
                "A yes/no outcome needs its baseline rate (between 0 and 1) in the comparison "
                "group.",
            )
        sd = math.sqrt(p0 * (1 - p0))
    elif sd is None:
        raise _refuse(
            "power_needs_sd",
            "Give the outcome's standard deviation, or estimate it from the city's history.",
        )
    if clustered:
        result = _clustered(stats_power, asked, per_arm, mde, sd, alpha, target)
    elif kind == OutcomeKind.BINARY:
        p0 = asked["baseline"]
        if per_arm is not None and mde is not None:
            p1 = p0 - mde if lower_is_better else p0 + mde
            result = stats_power.power_proportions(per_arm, p0, p1, alpha=alpha, ratio=ratio)
        elif per_arm is not None:
            result = stats_power.mde_proportions(
                per_arm, p0, alpha=alpha, power=target, ratio=ratio, decrease=lower_is_better
            )
        else:
            p1 = p0 - mde if lower_is_better else p0 + mde
            result = stats_power.n_for_proportions(p0, p1, alpha=alpha, power=target, ratio=ratio)
    elif per_arm is not None and mde is not None:
        result = stats_power.power_means(per_arm, mde, sd, alpha=alpha, ratio=ratio)
    elif per_arm is not None:
        result = stats_power.mde_means(per_arm, sd, alpha=alpha, power=target, ratio=ratio)
    else:
        assert mde is not None  # asked for n or mde, checked above
        result = stats_power.n_for_means(mde, sd, alpha=alpha, power=target, ratio=ratio)
    found = result.as_dict()
    total = found["n_per_arm"] * (1 + ratio)
    effective = found.get("effective_n_per_arm")
    answer: dict[str, Any] = {
        "design": str(design),
        "outcome_kind": str(kind),
        "alpha": alpha,
        "power": found["power"],
        "n": total,
        "mde": abs(found["effect"]),
        "design_effect": found.get("design_effect"),
        "effective_n": effective * (1 + ratio) if effective is not None else None,
        "curve": [],
        "details": found,
        "messages": [],
    }
    answer["curve"] = _curve(stats_power, asked, answer, sd, alpha, ratio, clustered)
    return answer


def _clustered(
    stats_power: Any,
    asked: dict[str, Any],
    per_arm: float | None,
    mde: float | None,
    sd: float,
    alpha: float,
    target: float,
) -> Any:
    size, icc = asked.get("cluster_size"), asked.get("icc")
    if size is None or icc is None:
        raise _refuse(
            "power_needs_clusters",
            "A cluster design needs the intraclass correlation (ICC) and the units per cluster.",
        )
    cv = float(asked.get("cluster_cv") or 0.0)
    if per_arm is not None:
        clusters = per_arm / size
        if mde is not None:
            return stats_power.power_cluster(clusters, size, mde, sd, icc=icc, cv=cv, alpha=alpha)
        return stats_power.mde_cluster(
            clusters, size, sd, icc=icc, cv=cv, alpha=alpha, power=target
        )
    return stats_power.clusters_for_effect(size, mde, sd, icc=icc, cv=cv, alpha=alpha, power=target)


def _curve(
    stats_power: Any,
    asked: dict[str, Any],
    answer: dict[str, Any],
    sd: float,
    alpha: float,
    ratio: float,
    clustered: bool,
) -> list[dict[str, float]]:
    """Power against units (all arms) for the effect asked or found, up to twice the n."""
    effect = answer["mde"]
    per_arm_max = max(4, math.ceil(answer["n"] / (1 + ratio) * 2))
    options: dict[str, Any] = {"alpha": alpha, "ratio": ratio, "points": CURVE_POINTS}
    if clustered:
        options.update(
            icc=float(asked.get("icc") or 0.0),
            cluster_size=float(asked.get("cluster_size") or 1.0),
            cv=float(asked.get("cluster_cv") or 0.0),
        )
    try:
        points = stats_power.power_curve(effect, sd, n_max=per_arm_max, **options)
    except (EvaluationError, *NUMERIC_ERRORS):
        return []
    return [{"n": n * (1 + ratio), "power": p} for n, p in points]
