"""Randomised trials: estimates against published values, the estimator each situation gets,
and the pre-flight refusals (pure: no database)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from civiclab.evaluation.stats.rct import analyse
from civiclab.evaluation.stats.types import (
    AnalysisSpec,
    Columns,
    Design,
    EvaluationError,
    OutcomeKind,
)

# Student's sleep data (Cushny & Peebles 1905; R's ``datasets::sleep``): extra hours of sleep.
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def spec(design: Design = Design.RCT, **kwargs: object) -> AnalysisSpec:
    columns = {"outcome": "y", "unit": "id", "treated": "t"}
    columns.update(kwargs.pop("columns", {}))  # type: ignore[arg-type]
    return AnalysisSpec(design, Columns(**columns), **kwargs)  # type: ignore[arg-type]


def sleep() -> pd.DataFrame:
    return pd.DataFrame({"id": range(20), "y": SLEEP_1 + SLEEP_2, "group": ["1"] * 10 + ["2"] * 10})


def test_welch_matches_r_t_test_on_sleep() -> None:
    """R 4.x ``t.test(extra ~ group, data = sleep)`` (Welch): t = −1.8608, df = 17.776,
    p = 0.07939, 95 % CI −3.3654832 to 0.2054832 (group 1 − group 2; here 2 − 1)."""
    estimate = analyse(sleep(), spec(columns={"arm": "group", "treated": None}, control_arm="1"))
    welch = estimate.details["welch"]
    assert welch["estimate"] == pytest.approx(1.58)
    assert welch["t"] == pytest.approx(1.860813, rel=1e-5)
    assert welch["df"] == pytest.approx(17.77647, rel=1e-5)
    assert welch["p_value"] == pytest.approx(0.07939414, rel=1e-5)
    assert welch["ci_low"] == pytest.approx(-0.2054832, rel=1e-6)
    assert welch["ci_high"] == pytest.approx(3.3654832, rel=1e-6)
    # 10 per arm: the randomisation test is the main result, Welch's SE its SE.
    assert estimate.estimator == "permutation"
    assert estimate.se == pytest.approx(0.8490910, rel=1e-6)
    assert estimate.ci_low < 0 < estimate.ci_high
    assert estimate.p_value == pytest.approx(0.079, abs=0.01)


def test_permutation_is_exact_on_a_small_trial() -> None:
    """GIVEN 4 + 4 units (70 possible assignments)
    WHEN analysed
    THEN the p-value is the share of all 70 assignments at least as extreme, and the CI's
    bounds are where that test (of a constant effect τ0) starts to reject."""
    y = np.array([3.1, 4.0, 5.2, 4.4, 6.5, 7.1, 5.9, 8.0])
    t = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    data = pd.DataFrame({"id": range(8), "y": y, "t": t})
    estimate = analyse(data, spec())
    assert estimate.details["exact"] is True and estimate.details["permutations"] == 70

    def brute_p(tau: float) -> float:
        adjusted = y - tau * t
        observed = abs(adjusted[t == 1].mean() - adjusted[t == 0].mean())
        extreme = 0
        for treated in itertools.combinations(range(8), 4):
            mask = np.zeros(8, bool)
            mask[list(treated)] = True
            extreme += abs(adjusted[mask].mean() - adjusted[~mask].mean()) >= observed - 1e-9
        return extreme / 70

    assert estimate.p_value == pytest.approx(brute_p(0.0))
    assert estimate.p_value == pytest.approx(2 / 70)
    assert brute_p(estimate.ci_low + 1e-6) > 0.05 >= brute_p(estimate.ci_low - 1e-6)
    assert brute_p(estimate.ci_high - 1e-6) > 0.05 >= brute_p(estimate.ci_high + 1e-6)


def test_newcombe_matches_the_published_example() -> None:
    """Newcombe (1998, Stat Med 17:873, method 10): 56/70 − 48/80 = 0.2, 95 % CI 0.0524 to
    0.3339; a binary outcome is given in percentage points."""
    treated = [1] * 56 + [0] * 14
    control = [1] * 48 + [0] * 32
    data = pd.DataFrame({"id": range(150), "y": treated + control, "t": [1] * 70 + [0] * 80})
    estimate = analyse(data, spec(outcome_kind=OutcomeKind.BINARY))
    assert estimate.estimator == "newcombe"
    assert estimate.estimate == pytest.approx(20.0)
    assert estimate.ci_low == pytest.approx(5.2431, abs=1e-4)
    assert estimate.ci_high == pytest.approx(33.3873, abs=1e-4)
    assert estimate.baseline == pytest.approx(60.0)
    assert estimate.relative == pytest.approx(20 / 60)


def _trial(n: int = 200, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = pd.DataFrame(
        {
            "id": [f"p{i}" for i in range(n)],
            "t": rng.permutation(np.repeat([0, 1], n // 2)),
            "x": rng.normal(size=n),
            "district": rng.choice(["north", "south", "east"], n),
        }
    )
    data["y"] = 20 + 3 * data["x"] - 2.0 * data["t"] + rng.normal(size=n)
    return data


def test_welch_is_the_main_result_of_a_large_trial() -> None:
    estimate = analyse(_trial(), spec())
    assert estimate.estimator == "welch_t"
    assert estimate.estimate == pytest.approx(estimate.details["welch"]["estimate"])
    assert estimate.relative is not None and estimate.relative_ci is not None
    assert estimate.relative_ci[0] < estimate.relative < estimate.relative_ci[1]
    assert [c.code for c in estimate.checks][:3] == ["missing_outcomes", "outcome_varies", "arms"]
    assert all(c.passed for c in estimate.checks)


def test_hc2_regression_adjustment_with_covariates() -> None:
    """Lin's regression with HC2: matches statsmodels directly and is more precise."""
    import statsmodels.api as sm

    data = _trial()
    estimate = analyse(data, spec(columns={"covariates": ("x",)}))
    assert estimate.estimator == "ols_hc2"
    x = data["x"] - data["x"].mean()
    design = np.column_stack([np.ones(len(data)), data["t"], x, x * data["t"]])
    fit = sm.OLS(data["y"].to_numpy(), design).fit(cov_type="HC2", use_t=True)
    assert estimate.estimate == pytest.approx(fit.params[1], rel=1e-10)
    assert estimate.se == pytest.approx(fit.bse[1], rel=1e-10)
    assert estimate.se < analyse(data, spec()).se / 2
    assert analyse(data, spec(columns={"covariates": ("x", "district")})).estimator == "ols_hc2"


def _cluster_trial(clusters: int, size: int = 10, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cluster = np.repeat(np.arange(clusters), size)
    arm = rng.permutation(np.repeat([0, 1], clusters // 2))
    effect = rng.normal(size=clusters)
    data = pd.DataFrame({"id": range(clusters * size), "block": cluster, "t": arm[cluster]})
    data["y"] = 5 + effect[cluster] + 1.0 * data["t"] + rng.normal(size=len(data))
    return data


def test_cluster_robust_with_many_clusters() -> None:
    import statsmodels.api as sm

    data = _cluster_trial(80)
    estimate = analyse(data, spec(Design.CLUSTER_RCT, columns={"cluster": "block"}))
    assert estimate.estimator == "ols_cluster" and estimate.n_clusters == 80
    fit = sm.OLS(data["y"].to_numpy(), sm.add_constant(data["t"].to_numpy(float))).fit(
        cov_type="cluster", cov_kwds={"groups": data["block"].to_numpy()}, use_t=True
    )
    assert estimate.se == pytest.approx(fit.bse[1], rel=1e-10)
    assert estimate.ci_low == pytest.approx(fit.conf_int()[1][0], rel=1e-10)


def test_few_clusters_use_randomisation_inference() -> None:
    """10 clusters (252 assignments, enumerated): the p-value is exact; CR1 is kept in
    details."""
    data = _cluster_trial(10, seed=4)
    estimate = analyse(data, spec(Design.CLUSTER_RCT, columns={"cluster": "block"}))
    assert estimate.estimator == "randomisation_inference"
    assert estimate.details["exact"] is True and estimate.details["permutations"] == 252
    assert "cluster_robust" in estimate.details
    assert estimate.ci_low < estimate.estimate < estimate.ci_high
    assert any(c.code == "few_clusters" for c in estimate.checks)


def test_more_arms_each_against_control() -> None:
    data = _trial(300)
    data["arm"] = np.resize(["control", "letter", "visit"], 300)
    data.loc[data["arm"] == "visit", "y"] -= 3
    estimate = analyse(data, spec(columns={"arm": "arm", "treated": None}, control_arm="control"))
    assert estimate.details["treatment_arm"] == "letter"
    visit = estimate.details["arms"]["visit"]
    assert visit["estimate"] < estimate.estimate - 1


def test_missing_outcomes_are_refused_or_dropped_when_the_plan_says() -> None:
    data = _trial()
    data.loc[:4, "y"] = np.nan
    with pytest.raises(EvaluationError) as caught:
        analyse(data, spec())
    assert caught.value.message.code == "rct_missing_outcomes"
    assert caught.value.message.params == {"count": 5, "total": 200}
    estimate = analyse(data, spec(drop_missing_outcomes=True))
    assert estimate.n == 195
    dropped = [c for c in estimate.checks if c.code == "missing_outcomes"]
    assert dropped[0].passed is False and dropped[0].message.params["count"] == 5


@pytest.mark.parametrize(
    ("change", "kwargs", "code"),
    [
        (lambda d: d.assign(y=4.0), {}, "rct_no_variation"),
        (lambda d: d.assign(t=1), {}, "rct_one_arm"),
        (lambda d: d.assign(y=d["t"] * 2.0), {}, "rct_no_variation_within_arms"),
        (lambda d: d.assign(t=[1] + [0] * 199), {}, "rct_too_few_units"),
        (lambda d: d.assign(t=2), {}, "rct_treated_not_binary"),
        (lambda d: pd.concat([d, d.head(1)]), {}, "rct_duplicate_units"),
        (lambda d: d, {"design": Design.CLUSTER_RCT}, "rct_no_cluster"),
        (lambda d: d, {"columns": {"weight": "x"}}, "rct_weights_unsupported"),
        (lambda d: d, {"outcome_kind": OutcomeKind.BINARY}, "rct_outcome_not_binary"),
        (lambda d: d.assign(y="n/a"), {}, "rct_outcome_not_numeric"),
        (lambda d: d, {"design": Design.DID}, "rct_wrong_design"),
    ],
)
def test_bad_input_is_refused(change: object, kwargs: dict[str, object], code: str) -> None:
    data = change(_trial())  # type: ignore[operator]
    with pytest.raises(EvaluationError) as caught:
        analyse(data, spec(**kwargs))
    assert caught.value.message.code == code


def test_cluster_refusals() -> None:
    data = _cluster_trial(10)
    data.loc[0, "t"] = 1 - data.loc[0, "t"]
    with pytest.raises(EvaluationError) as caught:
        analyse(data, spec(Design.CLUSTER_RCT, columns={"cluster": "block"}))
    assert caught.value.message.code == "rct_arm_varies_in_cluster"
    data = _cluster_trial(10)
    data["t"] = (data["block"] == 0).astype(int)
    with pytest.raises(EvaluationError) as caught:
        analyse(data, spec(Design.CLUSTER_RCT, columns={"cluster": "block"}))
    assert caught.value.message.code == "rct_too_few_clusters"
    assert caught.value.message.params["treated"] == 1
    data = _cluster_trial(4)
    with pytest.raises(EvaluationError) as caught:
        analyse(data, spec(Design.CLUSTER_RCT, columns={"cluster": "block"}))
    assert caught.value.message.code == "rct_too_few_assignments"


def test_strata_enter_the_regression_and_the_permutations() -> None:
    """A stratified trial is analysed with stratum indicators (HC2); a small one permutes the
    assignment within strata."""
    data = _trial(200)
    estimate = analyse(data, spec(columns={"strata": ("district",)}))
    assert estimate.estimator == "ols_hc2"
    small = _trial(40, seed=5)
    small["t"] = small.groupby("district").cumcount() % 2
    small["y"] = 20 + 3 * small["x"] - 2.0 * small["t"] + np.random.default_rng(6).normal(size=40)
    estimate = analyse(small, spec(columns={"strata": ("district",)}))
    assert estimate.estimator == "permutation" and estimate.details["exact"] is False
    assert estimate.ci_low < -2.0 < estimate.ci_high


def test_wild_cluster_bootstrap_matches_a_statsmodels_loop() -> None:
    """The vectorised WCR bootstrap gives the same p-value as refitting statsmodels' CR1 OLS on
    each bootstrap sample drawn with the same Webb weights."""
    import statsmodels.api as sm

    from civiclab.evaluation.stats.wild_bootstrap import wild_cluster_p_value

    data = _cluster_trial(8, size=6, seed=9)
    y, t, groups = data["y"].to_numpy(), data["t"].to_numpy(float), data["block"].to_numpy()
    draws = 60
    p_value = wild_cluster_p_value(y, t, None, groups, seed=3, draws=draws)

    def cr1_t(outcome: np.ndarray) -> float:
        fit = sm.OLS(outcome, sm.add_constant(t)).fit(
            cov_type="cluster", cov_kwds={"groups": groups}
        )
        return float(fit.tvalues[1])

    rng = np.random.Generator(np.random.PCG64(3))
    webb = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])
    weights = webb[rng.integers(0, 6, (draws, 8))]
    fitted = np.full(len(y), y.mean())
    observed = abs(cr1_t(y))
    extreme = sum(abs(cr1_t(fitted + w[groups] * (y - fitted))) >= observed for w in weights)
    assert p_value == pytest.approx(extreme / draws)
    estimate = analyse(data, spec(Design.CLUSTER_RCT, columns={"cluster": "block"}))
    assert 0 < estimate.details["wild_bootstrap"]["p_value"] <= 1


def test_the_router_lets_a_plan_drop_missing_outcomes_of_a_trial() -> None:
    from civiclab.evaluation.stats import router

    data = _trial()
    data.loc[:2, "y"] = np.nan
    with pytest.raises(EvaluationError):
        router.analyse(data, spec())
    estimate = router.analyse(data, spec(drop_missing_outcomes=True))
    assert estimate.n == 197
