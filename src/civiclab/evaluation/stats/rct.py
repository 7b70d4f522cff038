"""Randomised trials (``Design.RCT``, ``Design.CLUSTER_RCT``): one row per unit.

Arms come from ``treated`` (0/1) or from ``arm`` with ``control_arm``; with more than two arms
each is compared with the control, the first (in sorted order of their names) is the main
estimate and the others are in ``details["arms"]``.

Which estimator is the main one:

================================  ========================================================
situation                         main estimate, CI and p-value
================================  ========================================================
fewer than 30 units in an arm     ``permutation``: exact (or 10,000 draws) randomisation test,
                                  CI by test inversion (``permutation.py``); binary outcome
                                  without covariates: ``newcombe_fisher`` (Newcombe's hybrid
                                  score CI, Fisher's exact p)
covariates or strata              ``ols_hc2``: Lin's (2013) regression, centred covariates
                                  interacted with the arm, HC2 standard errors, t(n − k)
continuous outcome                ``welch_t``: difference in means, Welch's t and df
binary outcome (0/1)              ``newcombe``: difference in percentage points, Newcombe's
                                  hybrid score CI, score-test p-value
clustered, ≥ 30 clusters per arm  ``ols_cluster``: OLS with cluster-robust (CR1) SEs at the
                                  assignment level, t(G − 1)
clustered, < 30 clusters per arm  ``randomisation_inference``: cluster assignments permuted
                                  (within strata), CI by test inversion; the CR1 result is
                                  in ``details["cluster_robust"]``, a wild cluster
                                  bootstrap p-value (Webb weights) in
                                  ``details["wild_bootstrap"]``
================================  ========================================================

The other estimates computed on the way stay in ``details`` (Welch is always there for a
continuous outcome). Binary outcomes are analysed as 0/100 so every number is in percentage
points. The relative effect is the estimate over the control mean (adjusted to the sample's
covariate means when there are covariates), with a delta-method CI from the same robust (HC2
or cluster) covariance of the intercept and the arm's coefficient; it is left out, with a
warning, when the control mean is not clearly different from zero (|mean| < 2 SE), where
the ratio's delta-method interval would mislead (Fieller's would be unbounded).

Pre-flight refusals (``EvaluationError``): missing columns, weights (not used here), a unit
on more than one row, missing arm/cluster/covariate values, missing outcomes (unless
``spec.drop_missing_outcomes``; the count is named), an outcome that is not numeric or (binary)
not 0/1, no variation in the outcome, all units in one arm, fewer than 2 units in an arm, an
arm that changes within a cluster, fewer than 2 clusters in an arm, too few possible
assignments for a randomisation test.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from civiclab.evaluation.stats.permutation import permutation_inference
from civiclab.evaluation.stats.rct_checks import Prepared, prepare
from civiclab.evaluation.stats.types import (
    AnalysisSpec,
    Check,
    Design,
    Estimate,
    EvaluationError,
    Message,
    OutcomeKind,
)
from civiclab.evaluation.stats.wild_bootstrap import DRAWS as WILD_DRAWS
from civiclab.evaluation.stats.wild_bootstrap import wild_cluster_p_value
from civiclab.lazy_modules import lazy_module

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    np = lazy_module("numpy")

SMALL_ARM = 30  # fewer units than this in an arm: randomisation inference is the main result
FEW_CLUSTERS = 30  # fewer clusters than this in an arm: the same, permuting clusters


def analyse(data: pd.DataFrame, spec: AnalysisSpec) -> Estimate:
    """Analyse a randomised trial; see the module docstring for the estimator chosen."""
    if spec.design not in (Design.RCT, Design.CLUSTER_RCT):
        raise EvaluationError(
            Message(
                "rct_wrong_design",
                "This analysis is for randomised trials, not {design}.",
                {"design": str(spec.design)},
            )
        )
    prepared = prepare(data, spec)
    estimates = {arm: _compare(prepared, arm, spec) for arm in prepared.treatment_arms}
    first, *others = prepared.treatment_arms
    main = estimates[first]
    main.checks = [*prepared.checks, *main.checks]
    main.warnings = [*prepared.warnings, *main.warnings]
    if others or prepared.control_label is not None:
        main.details["control_arm"] = prepared.control_label
        main.details["treatment_arm"] = first
        main.details["arms"] = {arm: _summary(estimates[arm]) for arm in others}
    return main


def _summary(estimate: Estimate) -> dict[str, Any]:
    keys = ("estimator", "estimate", "se", "ci_low", "ci_high", "p_value", "n", "relative")
    summary = {key: getattr(estimate, key) for key in keys}
    summary["relative_ci"] = list(estimate.relative_ci) if estimate.relative_ci else None
    summary["checks"] = [
        {"code": c.code, "passed": c.passed, "text": c.message.english()} for c in estimate.checks
    ]
    return summary


def _compare(prepared: Prepared, arm: str, spec: AnalysisSpec) -> Estimate:
    """One treatment arm against the control."""
    frame = prepared.frame
    rows = (frame["_arm"] == arm) | (frame["_arm"] == prepared.control)
    part = frame.loc[rows]
    checks = prepared.check_pair(part, arm)
    y = part["_y"].to_numpy(dtype=float)
    t = (part["_arm"] == arm).to_numpy(dtype=float)
    z = prepared.covariates(part)
    clustered = prepared.cluster is not None
    n1, n0 = int(t.sum()), int(len(t) - t.sum())
    details: dict[str, Any] = {"n_treated": n1, "n_control": n0, "alpha": spec.alpha}
    binary = spec.outcome_kind is OutcomeKind.BINARY
    if binary:
        details["scale"] = "percentage_points"

    fit = _ols(
        y, t, z, part["_cluster"].to_numpy() if clustered else None, spec.alpha, lin=not clustered
    )
    if not binary:
        details["welch"] = _welch(y, t, spec.alpha)
    else:
        details["proportions"] = _proportions(y, t, spec.alpha)

    estimator: str
    n_clusters: int | None = None
    if clustered:
        codes = part["_cluster"].to_numpy()
        _, groups = np.unique(codes, return_inverse=True)
        n_clusters = int(groups.max()) + 1
        clusters_treated = len(np.unique(groups[t == 1]))
        clusters_control = n_clusters - clusters_treated
        details.update(
            clusters_treated=clusters_treated,
            clusters_control=clusters_control,
            cluster_robust=fit.as_dict(),
        )
        if min(clusters_treated, clusters_control) < FEW_CLUSTERS:
            estimator = "randomisation_inference"
            result = _permute(y, t, z, groups, part, prepared, spec, fit.se)
            estimate, se = result.estimate, fit.se
            ci, p_value = (result.ci_low, result.ci_high), result.p_value
            details["permutations"] = result.permutations
            details["exact"] = result.exact
            details["wild_bootstrap"] = {
                "p_value": wild_cluster_p_value(y, t, z, codes, seed=spec.seed),
                "weights": "webb",
                "draws": WILD_DRAWS,
            }
            checks.append(
                Check(
                    "few_clusters",
                    True,
                    Message(
                        "rct_few_clusters",
                        "Fewer than {limit} clusters in an arm ({clusters}): the interval and "
                        "p-value come from permuting the cluster assignments.",
                        {
                            "limit": FEW_CLUSTERS,
                            "clusters": min(clusters_treated, clusters_control),
                        },
                    ),
                )
            )
        else:
            estimator = "ols_cluster"
            estimate, se, ci, p_value = fit.coef, fit.se, fit.ci, fit.p_value
    elif min(n1, n0) < SMALL_ARM:
        if binary and z is None:
            estimator = "newcombe_fisher"
            props = details["proportions"]
            estimate, se = props["difference"], props["se"]
            ci, p_value = (props["ci_low"], props["ci_high"]), props["fisher_p_value"]
        else:
            estimator = "permutation"
            groups = np.arange(len(y))
            result = _permute(y, t, z, groups, part, prepared, spec, fit.se)
            estimate, se = result.estimate, fit.se
            ci, p_value = (result.ci_low, result.ci_high), result.p_value
            details["permutations"] = result.permutations
            details["exact"] = result.exact
        checks.append(
            Check(
                "small_arms",
                True,
                Message(
                    "rct_small_arms",
                    "Fewer than {limit} units in an arm ({units}): the p-value is exact "
                    "rather than from a large-sample approximation.",
                    {"limit": SMALL_ARM, "units": min(n1, n0)},
                ),
            )
        )
    elif z is not None:
        estimator = "ols_hc2"
        estimate, se, ci, p_value = fit.coef, fit.se, fit.ci, fit.p_value
    elif binary:
        estimator = "newcombe"
        props = details["proportions"]
        estimate, se = props["difference"], props["se"]
        ci, p_value = (props["ci_low"], props["ci_high"]), props["score_p_value"]
    else:
        estimator = "welch_t"
        welch = details["welch"]
        estimate, se = welch["estimate"], welch["se"]
        ci, p_value = (welch["ci_low"], welch["ci_high"]), welch["p_value"]
    if z is not None:
        details["regression"] = fit.as_dict()

    result_estimate = Estimate(
        design=spec.design,
        estimator=estimator,
        estimate=float(estimate),
        se=float(se),
        ci_low=float(ci[0]),
        ci_high=float(ci[1]),
        p_value=None if p_value is None else float(p_value),
        n=len(y),
        n_obs=len(y),
        n_clusters=n_clusters,
        baseline=fit.intercept,
        checks=checks,
        details=details,
    )
    _relative(result_estimate, fit, spec.alpha)
    result_estimate.chart = _chart(y, t, prepared.control_label or "control", arm, spec.alpha)
    return result_estimate


def _permute(
    y: Any,
    t: Any,
    z: Any,
    groups: Any,
    part: Any,
    prepared: Prepared,
    spec: AnalysisSpec,
    scale: float,
) -> Any:
    group_strata = None
    if prepared.strata_codes is not None:
        strata = prepared.strata_codes.loc[part.index].to_numpy()
        group_strata = np.zeros(int(groups.max()) + 1, dtype=np.int64)
        group_strata[groups] = strata
    return permutation_inference(
        y, t, z, groups, group_strata, alpha=spec.alpha, seed=spec.seed, scale=scale
    )


class _Fit:
    """An OLS fit of y on an intercept, the arm and covariates, with robust SEs."""

    def __init__(self, result: Any, alpha: float) -> None:
        params, cov = np.asarray(result.params), np.asarray(result.cov_params())
        self.coef = float(params[1])
        self.intercept = float(params[0])
        self.se = float(math.sqrt(cov[1, 1]))
        self.intercept_se = float(math.sqrt(cov[0, 0]))
        self.cov = float(cov[0, 1])
        low, high = np.asarray(result.conf_int(alpha=alpha))[1]
        self.ci = (float(low), float(high))
        self.p_value = float(np.asarray(result.pvalues)[1])
        self.cov_type = str(result.cov_type)

    def as_dict(self) -> dict[str, Any]:
        return {
            "estimate": self.coef,
            "se": self.se,
            "ci_low": self.ci[0],
            "ci_high": self.ci[1],
            "p_value": self.p_value,
            "cov_type": self.cov_type,
        }


def _ols(y: Any, t: Any, z: Any | None, clusters: Any | None, alpha: float, *, lin: bool) -> _Fit:
    import statsmodels.api as sm

    columns = [np.ones(len(y)), t]
    if z is not None:
        centred = z - z.mean(axis=0)
        columns.append(centred)
        if lin and _lin_fits(t, centred.shape[1]):
            columns.append(centred * t[:, None])
    design = np.column_stack(columns)
    model = sm.OLS(y, design)
    if clusters is not None:
        _, codes = np.unique(clusters, return_inverse=True)
        result = model.fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)
    else:
        result = model.fit(cov_type="HC2", use_t=True)
    return _Fit(result, alpha)


def _lin_fits(t: Any, k: int) -> bool:
    """Lin's interactions need more units than parameters in each arm."""
    return bool(min(t.sum(), len(t) - t.sum()) > k + 1)


def _welch(y: Any, t: Any, alpha: float) -> dict[str, Any]:
    from scipy import stats

    treated, control = y[t == 1], y[t == 0]
    result = stats.ttest_ind(treated, control, equal_var=False)
    interval = result.confidence_interval(1 - alpha)
    se = math.sqrt(treated.var(ddof=1) / len(treated) + control.var(ddof=1) / len(control))
    return {
        "estimate": float(treated.mean() - control.mean()),
        "se": se,
        "t": float(result.statistic),
        "df": float(result.df),
        "p_value": float(result.pvalue),
        "ci_low": float(interval.low),
        "ci_high": float(interval.high),
    }


def _proportions(y: Any, t: Any, alpha: float) -> dict[str, Any]:
    """Difference in proportions (y is 0/100): Newcombe's CI, score and Fisher p-values."""
    from scipy import stats
    from statsmodels.stats.proportion import (
        confint_proportions_2indep,
        test_proportions_2indep,
    )

    events = y / 100
    c1, n1 = int(events[t == 1].sum()), int((t == 1).sum())
    c0, n0 = int(events[t == 0].sum()), int((t == 0).sum())
    low, high = confint_proportions_2indep(c1, n1, c0, n0, method="newcomb", alpha=alpha)
    score = test_proportions_2indep(c1, n1, c0, n0, method="score")
    fisher = stats.fisher_exact([[c1, n1 - c1], [c0, n0 - c0]])
    p1, p0 = c1 / n1, c0 / n0
    return {
        "difference": 100 * (p1 - p0),
        "se": 100 * math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0),
        "ci_low": 100 * float(low),
        "ci_high": 100 * float(high),
        "score_p_value": float(score.pvalue),
        "fisher_p_value": float(fisher.pvalue),
        "events_treated": c1,
        "events_control": c0,
    }


def _relative(estimate: Estimate, fit: _Fit, alpha: float) -> None:
    """Effect relative to the control mean, delta method on (intercept, coefficient)."""
    base, base_se = fit.intercept, fit.intercept_se
    if (base_se > 0 and abs(base) < 2 * base_se) or base == 0:
        estimate.warnings.append(
            Message(
                "rct_relative_unstable",
                "The control mean ({baseline}) is too close to zero for a relative effect.",
                {"baseline": base},
            )
        )
        return
    b = estimate.estimate
    ratio = b / base
    variance = estimate.se**2 / base**2 + b**2 * base_se**2 / base**4 - 2 * b * fit.cov / base**3
    se = math.sqrt(max(variance, 0.0))
    from scipy import stats

    z = float(stats.norm.ppf(1 - alpha / 2))
    estimate.relative = ratio
    estimate.relative_ci = (ratio - z * se, ratio + z * se)
    estimate.details["relative_se"] = se
    estimate.details["relative_method"] = "delta"


def _chart(y: Any, t: Any, control: str, arm: str, alpha: float) -> dict[str, Any]:
    from scipy import stats

    bars = []
    for label, values in ((control, y[t == 0]), (arm, y[t == 1])):
        mean = float(values.mean())
        se = float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else 0.0
        q = float(stats.t.ppf(1 - alpha / 2, max(len(values) - 1, 1)))
        bars.append(
            {
                "arm": label,
                "n": len(values),
                "mean": mean,
                "low": mean - q * se,
                "high": mean + q * se,
            }
        )
    return {"kind": "arm_means", "arms": bars}
