"""Power from the city's own history: a long panel (unit, time, outcome) gives the baseline
mean, SD, ICC and serial correlation, and the minimum detectable effect (MDE) of a proposed
design.

- ``baseline``: mean and SD of the outcome; the ICC across units by the one-way ANOVA estimator
  (σ²_between / (σ²_between + σ²_within), with n₀ = (N − Σnᵢ²/N)/(k − 1) for unequal rows per
  unit, truncated at 0); the lag-1 serial correlation of the unit-demeaned outcome between
  consecutive periods, pooled over units.
- ``proposed_mde``: the MDE of an RCT (the SD) or a cluster RCT (the SD and the ICC, the
  panel's unit taken as the cluster) from ``power.py``.
- ``simulate_mde``: for DiD and ITS, placebo evaluations on the real panel. Each simulation
  assigns a placebo treatment to real units (DiD: a random ``treated_share`` of them) from a
  random real period on, and estimates it as the analysis would — DiD: two-way fixed effects
  by demeaning the (balanced) unit × period matrix, SEs clustered by unit, t(G − 1); ITS:
  segmented regression of the period means with a level change, Newey–West SEs. Adding a known
  effect δ to the treated cells moves the estimate by exactly δ and leaves the residuals and
  SEs unchanged (the treatment indicator is a regressor), so the rejection rate at any δ is
  read from the same simulations, and the MDE at the target power is found by bisection on δ.
  An ITS needs only one series (one unit, e.g. an indicator's own monthly values): the
  placebo interruptions are drawn along that real series.
  The rejection rate at δ = 0 (the placebo false-positive rate) is reported too: far above α
  it warns that the SEs understate the noise of this panel.

Bounds (documented limits): at most ``MAX_CELLS`` unit × period cells (larger panels are
refused: aggregate or sample units first), at most ``MAX_SIMULATIONS`` simulations (default
200); DiD keeps only units observed in every period (how many were left out is reported).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from civiclab.evaluation.stats import power as power_calc
from civiclab.evaluation.stats.types import Design, EvaluationError, Message
from civiclab.lazy_modules import lazy_module

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    np = lazy_module("numpy")
    pd = lazy_module("pandas")

MAX_CELLS = 500_000
MAX_SIMULATIONS = 1_000
MIN_PRE, MIN_POST = 3, 1  # periods before and after a placebo start (ITS: 3 after)


def _refuse(code: str, template: str, **params: Any) -> EvaluationError:
    return EvaluationError(Message(code, template, params))


@dataclass(frozen=True)
class Baseline:
    mean: float
    sd: float
    icc: float
    serial_correlation: float | None
    n_units: int
    n_periods: int
    n_obs: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _clean(
    panel: pd.DataFrame, unit: str, time: str, outcome: str, *, min_units: int = 2
) -> pd.DataFrame:
    for column in (unit, time, outcome):
        if column not in panel.columns:
            raise _refuse("history_no_column", "The table has no column {column}.", column=column)
    frame = panel[[unit, time, outcome]].dropna()
    frame = frame.assign(**{outcome: pd.to_numeric(frame[outcome], errors="coerce")}).dropna()
    if len(frame) > MAX_CELLS:
        raise _refuse(
            "history_too_large",
            "The history has {rows} rows; at most {limit} are used. Aggregate it or take a "
            "sample of units first.",
            rows=len(frame),
            limit=MAX_CELLS,
        )
    if frame[unit].nunique() < min_units or frame[time].nunique() < 2:
        if min_units == 1:
            raise _refuse(
                "history_too_short_series",
                "The history needs at least 2 periods (it has {periods}).",
                periods=int(frame[time].nunique()),
            )
        raise _refuse(
            "history_too_short",
            "The history needs at least 2 units and 2 periods (it has {units} and {periods}).",
            units=int(frame[unit].nunique()),
            periods=int(frame[time].nunique()),
        )
    if frame[outcome].nunique() < 2:
        raise _refuse("history_no_variation", "The outcome never varies in the history.")
    return frame


def baseline(panel: pd.DataFrame, *, unit: str, time: str, outcome: str) -> Baseline:
    """Mean, SD, ICC across units and lag-1 serial correlation of ``outcome``."""
    frame = _clean(panel, unit, time, outcome)
    y = frame[outcome].to_numpy(dtype=float)
    units = frame[unit].to_numpy()
    codes, inverse = np.unique(units, return_inverse=True)
    k, n_total = len(codes), len(y)
    sizes = np.bincount(inverse).astype(float)
    unit_means = np.bincount(inverse, weights=y) / sizes
    grand = y.mean()
    ss_between = float(np.sum(sizes * (unit_means - grand) ** 2))
    ss_within = float(np.sum((y - unit_means[inverse]) ** 2))
    ms_between = ss_between / (k - 1)
    ms_within = ss_within / (n_total - k) if n_total > k else 0.0
    n0 = (n_total - float(np.sum(sizes**2)) / n_total) / (k - 1)
    var_between = max((ms_between - ms_within) / n0, 0.0) if n0 > 0 else 0.0
    total = var_between + ms_within
    icc = var_between / total if total > 0 else 0.0
    return Baseline(
        mean=float(grand),
        sd=float(y.std(ddof=1)),
        icc=float(icc),
        serial_correlation=_serial_correlation(frame, unit, time, outcome, unit_means, inverse),
        n_units=int(k),
        n_periods=int(frame[time].nunique()),
        n_obs=int(n_total),
    )


def _serial_correlation(
    frame: pd.DataFrame, unit: str, time: str, outcome: str, unit_means: Any, inverse: Any
) -> float | None:
    periods = np.unique(frame[time].to_numpy())
    rank = np.searchsorted(periods, frame[time].to_numpy())
    demeaned = frame[outcome].to_numpy(dtype=float) - unit_means[inverse]
    order = np.lexsort((rank, inverse))
    u, r, e = inverse[order], rank[order], demeaned[order]
    consecutive = (u[1:] == u[:-1]) & (r[1:] == r[:-1] + 1)
    if consecutive.sum() < 3:
        return None
    current, previous = e[1:][consecutive], e[:-1][consecutive]
    if current.std() == 0 or previous.std() == 0:
        return None
    return float(np.corrcoef(current, previous)[0, 1])


def proposed_mde(
    history: Baseline,
    design: Design,
    *,
    n_per_arm: float | None = None,
    clusters_per_arm: float | None = None,
    cluster_size: float | None = None,
    cv: float = 0.0,
    alpha: float = 0.05,
    power: float = 0.8,
) -> power_calc.PowerResult:
    """The MDE of an RCT (``n_per_arm``) or a cluster RCT (``clusters_per_arm`` of
    ``cluster_size``) with this history's SD (and ICC)."""
    if design is Design.RCT and n_per_arm is not None:
        return power_calc.mde_means(n_per_arm, history.sd, alpha=alpha, power=power)
    if design is Design.CLUSTER_RCT and clusters_per_arm is not None and cluster_size:
        return power_calc.mde_cluster(
            clusters_per_arm,
            cluster_size,
            history.sd,
            icc=history.icc,
            cv=cv,
            alpha=alpha,
            power=power,
        )
    raise _refuse(
        "history_design_sizes",
        "Say the sizes of the proposed {design}: units per arm for an RCT, clusters per arm "
        "and their size for a cluster RCT (DiD and ITS: use the simulation).",
        design=str(design),
    )


@dataclass(frozen=True)
class SimulationResult:
    design: Design
    mde: float
    power: float
    alpha: float
    simulations: int
    false_positive_rate: float  # placebo rejections with no effect added
    n_units: int
    n_periods: int
    units_left_out: int = 0
    curve: list[tuple[float, float]] = field(default_factory=list)  # (effect, power)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def simulate_mde(
    panel: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    design: Design,
    treated_share: float = 0.5,
    alpha: float = 0.05,
    power: float = 0.8,
    simulations: int = 200,
    seed: int = 20261206,
) -> SimulationResult:
    """MDE of a DiD or ITS from placebo evaluations on the real panel (module docstring)."""
    from scipy import stats

    if design not in (Design.DID, Design.ITS):
        raise _refuse(
            "history_simulation_design",
            "The simulation is for difference-in-differences and interrupted time series, "
            "not {design}.",
            design=str(design),
        )
    if not 1 <= simulations <= MAX_SIMULATIONS:
        raise _refuse(
            "history_simulations",
            "Between 1 and {limit} simulations can be run.",
            limit=MAX_SIMULATIONS,
        )
    # An ITS reads one series (the mean over units per period): one unit is enough.
    frame = _clean(panel, unit, time, outcome, min_units=1 if design is Design.ITS else 2)
    rng = np.random.Generator(np.random.PCG64(seed))
    matrix = frame.pivot_table(index=unit, columns=time, values=outcome, aggfunc="mean")
    complete = matrix.dropna()
    left_out = len(matrix) - len(complete)
    if design is Design.DID:
        y = complete.to_numpy(dtype=float)
        estimates, ses, df = _did_placebos(y, treated_share, simulations, rng)
    else:
        series = matrix.mean(axis=0, skipna=True).to_numpy(dtype=float)
        estimates, ses, df = _its_placebos(series, simulations, rng)
        left_out = 0
    critical = float(stats.t.ppf(1 - alpha / 2, df))

    def rejection(delta: float) -> float:
        return float(np.mean(np.abs(estimates + delta) / ses > critical))

    size = rejection(0.0)
    high = float(np.max(np.abs(estimates)) + critical * np.max(ses)) * 2 + 1e-12
    low = 0.0
    if rejection(high) < power:
        raise _refuse("history_no_mde", "No effect reaches the target power in this history.")
    for _ in range(60):
        middle = (low + high) / 2
        if rejection(middle) >= power:
            high = middle
        else:
            low = middle
    mde = high
    curve = [(float(d), rejection(float(d))) for d in np.linspace(0, 2 * mde, 21)]
    n_units = len(complete) if design is Design.DID else len(matrix)
    return SimulationResult(
        design, mde, power, alpha, simulations, size, n_units, matrix.shape[1], left_out, curve
    )


def _did_placebos(
    y: Any, treated_share: float, simulations: int, rng: Any
) -> tuple[Any, Any, float]:
    units, periods = y.shape
    n_treated = round(units * treated_share)
    if units < 4 or not 2 <= n_treated <= units - 2:
        raise _refuse(
            "history_too_few_units",
            "A placebo DiD needs at least 2 treated and 2 untreated units with every period "
            "observed ({units} such units).",
            units=units,
        )
    if periods < MIN_PRE + MIN_POST:
        raise _refuse(
            "history_too_few_periods",
            "A placebo DiD needs at least {minimum} periods ({periods} here).",
            minimum=MIN_PRE + MIN_POST,
            periods=periods,
        )
    y_dm = _demean(y)
    estimates, ses = np.empty(simulations), np.empty(simulations)
    for s in range(simulations):
        treated = np.zeros(units)
        treated[rng.choice(units, n_treated, replace=False)] = 1.0
        start = int(rng.integers(MIN_PRE, periods - MIN_POST + 1))
        post = np.zeros(periods)
        post[start:] = 1.0
        d_dm = _demean(np.outer(treated, post))
        denominator = float(np.sum(d_dm**2))
        beta = float(np.sum(d_dm * y_dm)) / denominator
        scores = np.sum(d_dm * (y_dm - beta * d_dm), axis=1)
        variance = float(np.sum(scores**2)) / denominator**2 * units / (units - 1)
        estimates[s], ses[s] = beta, math.sqrt(variance)
    return estimates, ses, float(units - 1)


def _demean(matrix: Any) -> Any:
    """Two-way demeaning of a balanced units × periods matrix (exact in one pass)."""
    return (
        matrix
        - matrix.mean(axis=1, keepdims=True)
        - matrix.mean(axis=0, keepdims=True)
        + matrix.mean()
    )


def _its_placebos(series: Any, simulations: int, rng: Any) -> tuple[Any, Any, float]:
    import statsmodels.api as sm

    series = series[np.isfinite(series)]
    periods = len(series)
    if periods < 2 * MIN_PRE + 2:
        raise _refuse(
            "history_too_few_periods",
            "A placebo interrupted time series needs at least {minimum} periods ({periods} here).",
            minimum=2 * MIN_PRE + 2,
            periods=periods,
        )
    trend = np.arange(periods, dtype=float)
    lags = max(1, int(4 * (periods / 100) ** (2 / 9)))
    estimates, ses = np.empty(simulations), np.empty(simulations)
    # One series: a placebo is its start alone, so each distinct start is fitted once (at most
    # periods − 2·MIN_PRE fits, however many simulations).
    fitted: dict[int, tuple[float, float]] = {}
    for s in range(simulations):
        start = int(rng.integers(MIN_PRE + 1, periods - MIN_PRE + 1))
        if start not in fitted:
            step = (trend >= start).astype(float)
            design = np.column_stack([np.ones(periods), trend, step])
            fit = sm.OLS(series, design).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
            fitted[start] = (float(fit.params[2]), float(fit.bse[2]))
        estimates[s], ses[s] = fitted[start]
    return estimates, ses, float(periods - 3)
