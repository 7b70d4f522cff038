"""Do the 95 % intervals of the DiD and ITS estimators cover the true effect 95 % of the time?

Issue 12 asks for coverage between 94 and 96 % over at least 1,000 simulated datasets. With
1,000 datasets the Monte Carlo standard error of a 95 % coverage is 0.69 points, so 94–96 %
is about ±1.5 standard errors.

- DiD (``did.analyse``): 40 units (20 treated), 10 periods, start at period 5, unit effects,
  a common trend, errors AR(1) within each unit (ρ = 0.5, so clustering matters), true
  effect 0.3. CRV1 by unit, t with G − 1 df.
- ITS (``its.analyse``, Prais–Winsten AR(1) with a bias-corrected ρ): 48 monthly points,
  start at 24, level change 1 and slope change 0.05 (true effect at the end: 1 + 0.05 × 23),
  AR(1) errors (ρ = 0.3), seasonal with ``season_period = 12``.
- ITS counts (``its.analyse``, quasi-Poisson with a population offset): 48 points, ~200
  events a period, overdispersed (gamma-Poisson, variance 1.4 × the mean), rate ratio 1.2 at
  the start and a slope change of 0.4 % a period; the interval checked is ``relative_ci``
  (rate ratio − 1 at the end of the series).

Run on demand (a few minutes on 2 cores), not in the test suite:

    uv run python benchmarks/evaluation_coverage_panel.py [--reps 1000] [--design did|its|both]

Figures, 6 December 2026:

    DiD (TWFE, CRV1): coverage 94.4 % (MC SE 0.7), bias +0.0050, mean CI width 1.267,
        1000 datasets in 134 s — within the 94–96 % target.
    ITS (Prais–Winsten AR(1), bias-corrected ρ, bootstrap-t): coverage 94.3 % (MC SE 0.7),
        mean CI width 7.713, 1000 datasets in 46 s — within the 94–96 % target (before: OLS +
        Newey–West 79.5 %; bias-corrected Prais–Winsten with a t interval 92.3 %).
    ITS counts (quasi-Poisson): coverage 94.2 % (MC SE 0.7), bias +0.0049 (on the rate ratio),
        mean CI width 0.467, 1000 datasets in 11 s — within target (independent counts).

The ITS figure was 79.5 % with OLS + Newey–West, whose small-sample bias on short series is
well known; its.py now estimates AR(1) errors by Prais–Winsten with ρ corrected for its
small-sample bias (REML did no better) and takes the interval from a parametric bootstrap-t
that re-estimates ρ in every draw (a t interval still covered only 92.3 %).
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from civiclab.evaluation.stats import did, its
from civiclab.evaluation.stats.types import AnalysisSpec, Columns, Design, Estimate, OutcomeKind


def ar1(rng: np.random.Generator, shape: tuple[int, int], rho: float) -> np.ndarray:
    shocks = rng.normal(size=shape)
    out = np.empty(shape)
    out[:, 0] = shocks[:, 0] / math.sqrt(1 - rho**2)
    for t in range(1, shape[1]):
        out[:, t] = rho * out[:, t - 1] + shocks[:, t]
    return out


DID_SPEC = AnalysisSpec(
    Design.DID, Columns(outcome="y", unit="unit", time="t", treated="g"), intervention_time=5
)


def did_dataset(rng: np.random.Generator) -> tuple[pd.DataFrame, float]:
    units, periods, effect = 40, 10, 0.3
    errors = ar1(rng, (units, periods), 0.5)
    unit = np.repeat(np.arange(units), periods)
    t = np.tile(np.arange(periods), units)
    g = (unit < units // 2).astype(int)
    y = rng.normal(size=units)[unit] + 0.1 * t + effect * g * (t >= 5) + errors.ravel()
    return pd.DataFrame({"unit": unit, "t": t, "g": g, "y": y}), effect


ITS_SPEC = AnalysisSpec(
    Design.ITS, Columns(outcome="y", unit="city", time="t"), intervention_time=24, season_period=12
)


def its_dataset(rng: np.random.Generator) -> tuple[pd.DataFrame, float]:
    n, start = 48, 24
    t = np.arange(n)
    post = t >= start
    y = (
        5
        + 0.05 * t
        + 1.0 * post
        + 0.05 * (t - start) * post
        + np.sin(2 * np.pi * t / 12)
        + ar1(rng, (1, n), 0.3)[0]
    )
    return pd.DataFrame({"t": t, "y": y}), 1.0 + 0.05 * (n - 1 - start)


COUNT_SPEC = AnalysisSpec(
    Design.ITS,
    Columns(outcome="y", unit="city", time="t", exposure="pop"),
    outcome_kind=OutcomeKind.COUNT,
    intervention_time=24,
)


def count_dataset(rng: np.random.Generator) -> tuple[pd.DataFrame, float]:
    """Overdispersed counts (gamma-Poisson, dispersion ~2) per 100,000 people."""
    n, start = 48, 24
    t = np.arange(n)
    post = t >= start
    pop = np.full(n, 100_000.0)
    log_rate = np.log(2e-3) + 0.005 * t + np.log(1.2) * post + 0.004 * (t - start) * post
    mean = np.exp(log_rate) * pop
    y = rng.poisson(rng.gamma(mean / 0.4, 0.4))  # variance 1.4 × the mean
    return pd.DataFrame({"t": t, "y": y, "pop": pop}), 1.2 * math.exp(0.004 * 23) - 1


def coverage(
    name: str,
    make: Callable[[np.random.Generator], tuple[pd.DataFrame, float]],
    analyse: Callable[[pd.DataFrame, AnalysisSpec], Estimate],
    spec: AnalysisSpec,
    reps: int,
) -> None:
    rng = np.random.default_rng(20261206)
    covered, widths, errors = 0, [], []
    started = time.perf_counter()
    for _ in range(reps):
        data, truth = make(rng)
        estimate = analyse(data, spec)
        if spec.outcome_kind == OutcomeKind.COUNT:  # the rate ratio − 1 at the end
            assert estimate.relative is not None and estimate.relative_ci is not None
            value, (low, high) = estimate.relative, estimate.relative_ci
        else:
            value, low, high = estimate.estimate, estimate.ci_low, estimate.ci_high
        covered += low <= truth <= high
        widths.append(high - low)
        errors.append(value - truth)
    rate = covered / reps
    mc_se = math.sqrt(rate * (1 - rate) / reps)
    print(
        f"{name}: coverage {100 * rate:.1f} % (MC SE {100 * mc_se:.1f}), "
        f"bias {np.mean(errors):+.4f}, mean CI width {np.mean(widths):.3f}, "
        f"{reps} datasets in {time.perf_counter() - started:.0f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--design", choices=["did", "its", "count", "both"], default="both")
    args = parser.parse_args()
    if args.design in ("did", "both"):
        coverage("DiD (TWFE, CRV1)", did_dataset, did.analyse, DID_SPEC, args.reps)
    if args.design in ("its", "both"):
        label = "ITS (Prais–Winsten AR(1), bias-corrected rho, bootstrap-t)"
        coverage(label, its_dataset, its.analyse, ITS_SPEC, args.reps)
    if args.design in ("count", "both"):
        coverage("ITS counts (quasi-Poisson)", count_dataset, its.analyse, COUNT_SPEC, args.reps)


if __name__ == "__main__":
    main()
