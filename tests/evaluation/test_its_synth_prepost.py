"""Interrupted time series, synthetic control and before/after on small simulated series."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from civiclab.evaluation.stats import its, prepost, synth
from civiclab.evaluation.stats.types import (
    AnalysisSpec,
    Columns,
    Design,
    EvaluationError,
    OutcomeKind,
)


def series(n: int = 48, start: int = 24, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    post = t >= start
    y = 10 + 0.1 * t + 2 * post + 0.05 * (t - start) * post + np.sin(2 * np.pi * t / 12)
    return pd.DataFrame(
        {"month": pd.date_range("2020-01-01", periods=n, freq="MS"), "y": y + rng.normal(0, 0.3, n)}
    )


def its_spec(**kwargs: object) -> AnalysisSpec:
    columns = Columns(outcome="y", unit="city", time="month", exposure=kwargs.pop("exposure", None))  # type: ignore[arg-type]
    return AnalysisSpec(
        Design.ITS,
        columns,
        intervention_time=pd.Timestamp("2022-01-01"),
        **kwargs,  # type: ignore[arg-type]
    )


def test_its_ols_finds_level_and_slope_changes_with_seasonality() -> None:
    estimate = its.analyse(series(), its_spec(season_period=12))
    truth = 2 + 0.05 * 23
    assert estimate.ci_low < truth < estimate.ci_high
    assert estimate.details["level_change"]["estimate"] == pytest.approx(2, abs=0.5)
    assert estimate.estimator == "segmented_prais_winsten_ar1_bootstrap_t"
    again = its.analyse(series(), its_spec(season_period=12))
    assert (again.ci_low, again.ci_high) == (estimate.ci_low, estimate.ci_high)  # seeded
    assert estimate.details["newey_west"]["lags"] == its.newey_west_lags(48) == 3
    point = estimate.chart["points"][-1]
    assert set(point) == {"time", "observed", "fitted", "counterfactual"}
    assert point["time"] == "2023-12-01T00:00:00"
    assert [(c.code, c.passed) for c in estimate.checks] == [("autocorrelation", True)]


def test_its_corrects_the_autocorrelation_for_its_small_sample_bias() -> None:
    """GIVEN OLS residuals of white noise WHEN ρ is estimated THEN the correction moves it up
    from the raw lag-1 autocorrelation (which k regressors pull below 0)."""
    rng = np.random.default_rng(5)
    residuals = rng.normal(size=48)
    raw = float(np.sum(residuals[1:] * residuals[:-1]) / np.sum(residuals**2))
    corrected = its.corrected_rho(residuals, 6)
    assert corrected == pytest.approx(raw + (1 + 3 * raw) / 48 + 6 * (1 + raw) / 48)
    assert its.corrected_rho(np.arange(48.0), 6) == 0.95  # kept within the transform's range


def test_its_prais_winsten_transform_keeps_the_first_point() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0, 4.0]})
    y, x = its.prais_winsten(pd.Series([2.0, 3.0, 5.0]), frame, 0.6)
    assert list(y) == pytest.approx([2.0 * 0.8, 3.0 - 1.2, 5.0 - 1.8])
    assert list(x["a"]) == pytest.approx([0.8, 2.0 - 0.6, 4.0 - 1.2])


def test_its_counts_give_a_rate_ratio_and_an_absolute_change() -> None:
    rng = np.random.default_rng(8)
    t = np.arange(40)
    population = np.full(40, 50_000)
    rate = np.exp(-7 + 0.005 * t + np.log(1.3) * (t >= 20))
    data = pd.DataFrame({"month": t, "y": rng.poisson(rate * population), "pop": population})
    columns = Columns(outcome="y", unit="city", time="month", exposure="pop")
    spec = AnalysisSpec(Design.ITS, columns, outcome_kind=OutcomeKind.COUNT, intervention_time=20)
    estimate = its.analyse(data, spec)
    assert estimate.estimator == "segmented_quasi_poisson"
    assert estimate.relative_ci is not None
    assert estimate.relative_ci[0] < 0.3 < estimate.relative_ci[1]
    assert estimate.estimate == pytest.approx(
        estimate.chart["points"][-1]["fitted"] - estimate.chart["points"][-1]["counterfactual"]
    )
    assert estimate.details["dispersion"] > 0


def test_its_refuses_short_series_and_flat_ones() -> None:
    with pytest.raises(EvaluationError) as refused:
        its.analyse(series(n=30, start=24), its_spec())
    assert refused.value.message.code == "too_few_points"
    assert refused.value.message.params["after"] == 6
    flat = series().assign(y=1.0)
    with pytest.raises(EvaluationError) as refused:
        its.analyse(flat, its_spec())
    assert refused.value.message.code == "no_variation"


def peers(effect: float = 3.0, donors: int = 10, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    periods = 16
    factors = rng.normal(size=(periods, 2)).cumsum(axis=0)
    loads = rng.uniform(0.5, 1.5, (donors + 1, 2))
    values = 50 + factors @ loads.T + rng.normal(0, 0.2, (periods, donors + 1))
    values[10:, 0] += effect
    return pd.DataFrame(
        [(f"c{u}", 2010 + t, values[t, u]) for u in range(donors + 1) for t in range(periods)],
        columns=["city", "year", "y"],
    )


def synth_spec() -> AnalysisSpec:
    columns = Columns(outcome="y", unit="city", time="year")
    return AnalysisSpec(
        Design.SYNTHETIC_CONTROL, columns, intervention_time=2020, treated_unit="c0"
    )


def test_synthetic_control_weights_gap_and_placebo_p_value() -> None:
    estimate = synth.analyse(peers(effect=5.0), synth_spec())
    assert 3.5 < estimate.estimate < 6.5
    assert sum(estimate.details["weights"].values()) == pytest.approx(1, abs=1e-3)
    assert estimate.p_value == pytest.approx(1 / 11)
    assert estimate.details["placebos"] == 10
    assert math.isnan(estimate.se)
    assert estimate.checks[0].passed


def test_synthetic_control_refuses_few_donors_and_a_poor_fit() -> None:
    few = peers()
    with pytest.raises(EvaluationError) as refused:
        synth.analyse(few[few["city"].isin(["c0", "c1", "c2", "c3"])], synth_spec())
    assert refused.value.message.code == "too_few_donors"
    outlier = peers()
    outlier.loc[outlier["city"] == "c0", "y"] += 100  # far above every mix of donors
    with pytest.raises(EvaluationError) as refused:
        synth.analyse(outlier, synth_spec())
    assert refused.value.message.code == "poor_pre_fit"


def test_pre_post_pairs_units_and_always_warns() -> None:
    rng = np.random.default_rng(2)
    units = np.repeat(np.arange(30), 2)
    data = pd.DataFrame({"unit": units, "year": np.tile([2023, 2025], 30)})
    data["y"] = (
        rng.normal(size=30)[data["unit"]] + 0.5 * (data["year"] == 2025) + rng.normal(0, 0.3, 60)
    )
    columns = Columns(outcome="y", unit="unit", time="year")
    spec = AnalysisSpec(Design.PRE_POST, columns, intervention_time=2024)
    estimate = prepost.analyse(data, spec)
    assert estimate.estimator == "paired_t" and estimate.details["paired"]
    assert estimate.ci_low < 0.5 < estimate.ci_high
    assert [w.code for w in estimate.warnings] == ["pre_post_not_causal"]
    unpaired = data.assign(unit=np.arange(60))
    welch = prepost.analyse(unpaired, spec)
    assert welch.estimator == "welch_t"
    assert welch.estimate == pytest.approx(estimate.estimate)
    assert welch.se > estimate.se
