"""DiD and stepped wedge: TWFE with CRV1, the event study and the pre-trend check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civiclab.evaluation.stats import did
from civiclab.evaluation.stats.types import (
    AnalysisSpec,
    Columns,
    Design,
    EvaluationError,
    OutcomeKind,
)


def panel(
    units: int = 120, periods: int = 8, effect: float = 0.5, drift: float = 0.0, seed: int = 1
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "unit": np.repeat(np.arange(units), periods),
            "year": np.tile(np.arange(2015, 2015 + periods), units),
        }
    )
    frame["group"] = (frame["unit"] < units // 2).astype(int)
    unit_effect = rng.normal(size=units)[frame["unit"]]
    after = frame["year"] >= 2019
    frame["y"] = (
        unit_effect
        + 0.2 * (frame["year"] - 2015)
        + drift * frame["group"] * (frame["year"] - 2015)
        + effect * frame["group"] * after
        + rng.normal(0, 0.3, len(frame))
    )
    return frame


def spec(design: Design = Design.DID, **kwargs: object) -> AnalysisSpec:
    columns = Columns(outcome="y", unit="unit", time="year", treated="group")
    return AnalysisSpec(design=design, columns=columns, intervention_time=2019, **kwargs)  # type: ignore[arg-type]


def test_twfe_recovers_the_effect_with_parallel_pre_trends() -> None:
    estimate = did.analyse(panel(), spec())
    assert estimate.estimator == "twfe_cluster"
    assert estimate.ci_low < 0.5 < estimate.ci_high
    assert estimate.n == 120 and estimate.n_clusters == 120 and estimate.n_obs == 960
    check = estimate.checks[0]
    assert check.code == "pre_trends" and check.passed
    assert check.message.english().startswith("The periods before the pilot show no diverging")
    periods = [p["period"] for p in estimate.chart["points"]]
    assert periods == [-4, -3, -2, -1, 0, 1, 2, 3]
    reference = estimate.chart["points"][3]
    assert reference["reference"] and reference["estimate"] == 0.0
    assert estimate.details["pre_trend_test"]["df"] == 3


def test_diverging_pre_trends_fail_the_check() -> None:
    estimate = did.analyse(panel(drift=0.3), spec())
    check = estimate.checks[0]
    assert not check.passed and check.message.code == "pre_trends_diverging"


def test_a_time_varying_treatment_column_gives_the_same_estimate() -> None:
    data = panel()
    data["on"] = data["group"] * (data["year"] >= 2019)
    columns = Columns(outcome="y", unit="unit", time="year", treated="on")
    a = did.analyse(data, AnalysisSpec(Design.DID, columns))
    b = did.analyse(data, spec())
    assert a.estimate == pytest.approx(b.estimate)


def test_binary_outcomes_are_in_percentage_points() -> None:
    data = panel()
    data["y"] = (data["y"] > data["y"].median()).astype(int)
    estimate = did.analyse(data, spec(outcome_kind=OutcomeKind.BINARY))
    assert estimate.baseline is not None and 1 < estimate.baseline < 100


def test_stepped_wedge_with_cluster_fixed_effects() -> None:
    rng = np.random.default_rng(5)
    clusters, periods, people = 12, 7, 5
    rows = []
    for c in range(clusters):
        start = 1 + c % (periods - 1)
        level = rng.normal()
        for t in range(periods):
            for _ in range(people):
                on = int(t >= start)
                rows.append((c, t, on, level + 0.1 * t + 1.0 * on + rng.normal(0, 0.5)))
    data = pd.DataFrame(rows, columns=["site", "period", "on", "y"])
    data["person"] = np.arange(len(data))
    columns = Columns(outcome="y", unit="person", time="period", treated="on", cluster="site")
    estimate = did.analyse(data, AnalysisSpec(Design.STEPPED_WEDGE, columns))
    assert estimate.n_clusters == 12
    assert estimate.ci_low < 1.0 < estimate.ci_high
    assert estimate.details["fixed_effects"] == ["cluster", "period"]
    # without never-treated clusters, the earliest lead is a second reference (else the
    # event-time trend is unidentified and the leads would drift)
    references = [p["period"] for p in estimate.chart["points"] if p["reference"]]
    assert references == [-6, -1]
    assert estimate.checks[0].passed


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda d: d[d["unit"] < 4], "too_few_clusters"),
        (lambda d: d.assign(group=0), "no_treated"),
        (lambda d: d.assign(group=1), "no_untreated"),
        (lambda d: d[d["year"] >= 2019], "no_pre_period"),
        (lambda d: d[(d["group"] == 0) | (d["unit"] == 0)], "too_few_clusters_per_side"),
    ],
)
def test_preflight_refusals(change: object, code: str) -> None:
    with pytest.raises(EvaluationError) as refused:
        did.analyse(change(panel()), spec())  # type: ignore[operator]
    assert refused.value.message.code == code


def test_always_treated_units_are_refused_by_count() -> None:
    data = panel()
    data["on"] = data["group"] * (data["year"] >= 2019)
    data.loc[data["unit"] < 3, "on"] = 1
    columns = Columns(outcome="y", unit="unit", time="year", treated="on")
    with pytest.raises(EvaluationError) as refused:
        did.analyse(data, AnalysisSpec(Design.DID, columns))
    assert refused.value.message.code == "always_treated"
    assert refused.value.message.params["units"] == 3
