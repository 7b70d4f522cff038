"""Power from the city's own history: baseline statistics and the placebo simulation (pure)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civiclab.evaluation.stats import history
from civiclab.evaluation.stats.types import Design, EvaluationError


def test_icc_one_way_anova_by_hand() -> None:
    """Units A (1, 3), B (5, 7), C (9, 11): unit means 2, 6, 10, grand mean 6;
    SSB = 2·(16 + 0 + 16) = 64, MSB = 32; SSW = 6 × 1 = 6, MSW = 6/3 = 2; n₀ = 2;
    σ²_between = (32 − 2)/2 = 15; ICC = 15/(15 + 2) = 15/17."""
    panel = pd.DataFrame(
        {"u": list("AABBCC"), "t": [1, 2] * 3, "y": [1.0, 3.0, 5.0, 7.0, 9.0, 11.0]}
    )
    result = history.baseline(panel, unit="u", time="t", outcome="y")
    assert result.icc == pytest.approx(15 / 17)
    assert result.mean == pytest.approx(6.0)
    assert result.sd == pytest.approx(np.std([1, 3, 5, 7, 9, 11], ddof=1))
    assert (result.n_units, result.n_periods, result.n_obs) == (3, 2, 6)


def ar1_panel(units: int = 60, periods: int = 24, rho: float = 0.6, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    level = rng.normal(0, 2, units)
    e = np.zeros((units, periods))
    e[:, 0] = rng.normal(size=units) / np.sqrt(1 - rho**2)
    for t in range(1, periods):
        e[:, t] = rho * e[:, t - 1] + rng.normal(size=units)
    y = 10 + level[:, None] + e
    return pd.DataFrame(
        {
            "unit": np.repeat(np.arange(units), periods),
            "month": np.tile(np.arange(periods), units),
            "calls": y.ravel(),
        }
    )


def test_serial_correlation_and_icc_of_a_simulated_panel() -> None:
    result = history.baseline(ar1_panel(), unit="unit", time="month", outcome="calls")
    # Within-unit demeaning biases the lag-1 correlation down by about (1 + ρ)/T.
    assert result.serial_correlation == pytest.approx(0.6, abs=0.1)
    assert 0.5 < result.icc < 0.8


def test_proposed_mde_from_history() -> None:
    base = history.baseline(ar1_panel(), unit="unit", time="month", outcome="calls")
    rct = history.proposed_mde(base, Design.RCT, n_per_arm=200)
    assert rct.effect == pytest.approx(0.28 * base.sd, rel=0.02)
    cluster = history.proposed_mde(base, Design.CLUSTER_RCT, clusters_per_arm=20, cluster_size=10)
    assert cluster.design_effect is not None and cluster.design_effect > 1
    with pytest.raises(EvaluationError):
        history.proposed_mde(base, Design.DID)


def test_did_simulation_on_the_panel() -> None:
    """Placebo DiDs on the real panel: the false-positive rate is near α with unit-clustered
    SEs, and the rejection rate at the MDE is the target power."""
    panel = ar1_panel()
    result = history.simulate_mde(
        panel, unit="unit", time="month", outcome="calls", design=Design.DID, simulations=200
    )
    assert result.simulations == 200 and result.n_units == 60 and result.n_periods == 24
    assert 0 < result.mde < 2
    assert result.false_positive_rate < 0.12
    assert result.curve[0] == (0.0, result.false_positive_rate)
    assert dict(result.curve)[result.curve[10][0]] >= 0.8


def test_its_simulation_on_the_series() -> None:
    result = history.simulate_mde(
        ar1_panel(units=5, periods=48), unit="unit", time="month", outcome="calls",
        design=Design.ITS, simulations=100,
    )  # fmt: skip
    assert result.mde > 0 and result.n_periods == 48


def test_history_refusals() -> None:
    with pytest.raises(EvaluationError) as caught:
        history.simulate_mde(
            ar1_panel(units=3), unit="unit", time="month", outcome="calls", design=Design.DID
        )
    assert caught.value.message.code == "history_too_few_units"
    with pytest.raises(EvaluationError) as caught:
        history.simulate_mde(
            ar1_panel(), unit="unit", time="month", outcome="calls", design=Design.DID,
            simulations=5000,
        )  # fmt: skip
    assert caught.value.message.code == "history_simulations"
    flat = ar1_panel().assign(calls=1.0)
    with pytest.raises(EvaluationError) as caught:
        history.baseline(flat, unit="unit", time="month", outcome="calls")
    assert caught.value.message.code == "history_no_variation"


def test_its_simulation_on_one_series() -> None:
    """GIVEN one unit's own monthly series (an indicator) WHEN the ITS power is simulated THEN
    placebo interruptions along that series give an MDE (one unit is not refused)."""
    result = history.simulate_mde(
        ar1_panel(units=1, periods=36), unit="unit", time="month", outcome="calls",
        design=Design.ITS, simulations=50,
    )  # fmt: skip
    assert result.mde > 0 and result.n_units == 1 and result.n_periods == 36
    assert result.curve[0] == (0.0, result.false_positive_rate)
    with pytest.raises(EvaluationError) as caught:
        history.simulate_mde(
            ar1_panel(units=1, periods=1), unit="unit", time="month", outcome="calls",
            design=Design.ITS,
        )  # fmt: skip
    assert caught.value.message.code == "history_too_short_series"
