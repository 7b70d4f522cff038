"""Interrupted time series: segmented regression on one series (one unit, or an indicator's
own series) with a level change and a slope change at ``spec.intervention_time``.

- Counts (``OutcomeKind.COUNT``): a Poisson GLM, ``log(exposure)`` as offset when
  ``columns.exposure`` is given, with the quasi-Poisson scale (Pearson chi² / residual df) so
  overdispersion widens the interval. The effect is reported at the end of the series: the
  rate ratio fitted / counterfactual − 1 in ``relative`` and the absolute difference (events
  in the last period) as ``estimate``; both by the delta method.
- Otherwise: segmented regression with AR(1) errors, estimated by Prais–Winsten GLS (the
  first point kept, weighted by √(1−ρ²)) with the lag-1 autocorrelation of the OLS residuals
  corrected for its small-sample bias, ρ = r₁ + (1 + 3r₁)/n + k(1 + r₁)/n (Kendall's bias of
  an autocorrelation, plus the downward pull of k fitted regressors on residuals), and
  Student's t on n − k − 1 df. The estimate is the level change plus the slope change times
  the periods since the start, i.e. the gap between fitted and counterfactual at the end of
  the series (level and slope changes in ``details``). OLS with Newey–West (HAC) standard
  errors, lag L = floor(4 (n/100)^(2/9)), is given in ``details`` for comparison.
- Seasonality when ``spec.season_period`` = P: Fourier terms sin/cos(2πkt/P), k = 1..K with
  K = 2 (K = 1 when P < 6).

The interval is a parametric bootstrap-t (``bootstrap_t``: 999 series simulated from the fitted
model with AR(1) errors, each refitted the same way, ρ included), because t intervals are too
narrow on the short series cities have. Simulated 95 % intervals for the effect at the end of a
48-point seasonal series (8 regressors) covered the truth 77–84 % of the time with OLS +
Newey–West (ρ = 0.3 / white noise; 94 % only from ~192 points), 78–93 % with plain
Prais–Winsten, 92–94 % with the bias-corrected ρ and a t interval (a REML ρ did no better), and
95.2 % at ρ = 0, 0.3 and 0.6 with the bootstrap-t (400 series each;
benchmarks/evaluation_coverage_panel.py has the 1,000-series figure). The t interval and
Newey–West are kept in ``details`` for comparison.

Periods are counted by their order (dates, months or years alike); a series needs at least
``MIN_POINTS`` points before and after the start (fewer cannot separate a change of trend from
noise, the usual guidance for segmented regression).
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

from civiclab.evaluation.stats._common import (
    clean_frame,
    critical,
    json_label,
    p_two_sided,
    period_index,
    refuse,
)
from civiclab.evaluation.stats.types import (
    AnalysisSpec,
    Check,
    Design,
    Estimate,
    Message,
    OutcomeKind,
)

if TYPE_CHECKING:
    import pandas as pd

MIN_POINTS = 8  # points before and after the start
BOOTSTRAP_DRAWS = 999


def newey_west_lags(n: int) -> int:
    rule: float = 4 * (n / 100) ** (2 / 9)
    return max(1, math.floor(rule))


def analyse(data: pd.DataFrame, spec: AnalysisSpec) -> Estimate:
    if spec.design != Design.ITS:
        refuse("wrong_design", "This estimator handles interrupted time series only.")
    frame = _prepare(data, spec)
    design = _design_matrix(frame, spec)
    if spec.outcome_kind == OutcomeKind.COUNT:
        return _poisson(frame, design, spec)
    return _ols(frame, design, spec)


def _prepare(data: pd.DataFrame, spec: AnalysisSpec) -> pd.DataFrame:
    cols = spec.columns
    if cols.time is None or spec.intervention_time is None:
        refuse(
            "missing_columns",
            "An interrupted time series needs a period column and the intervention time.",
        )
    if cols.unit in data.columns and data[cols.unit].nunique() > 1:
        refuse(
            "several_series",
            "An interrupted time series takes one series; this table has {units} units.",
            units=int(data[cols.unit].nunique()),
        )
    frame = clean_frame(data, {"_y": cols.outcome, "_t": cols.time, "_e": cols.exposure}, spec)
    if frame["_t"].duplicated().any():
        refuse("duplicate_periods", "Some periods appear more than once in the series.")
    frame = frame.sort_values("_t").reset_index(drop=True)
    frame["_k"] = period_index(frame["_t"]).astype(float)
    after = frame["_t"] >= spec.intervention_time
    before_n, after_n = int((~after).sum()), int(after.sum())
    if before_n < MIN_POINTS or after_n < MIN_POINTS:
        refuse(
            "too_few_points",
            "The series has {before} points before the start and {after} after: at least "
            "{minimum} on each side are needed.",
            before=before_n,
            after=after_n,
            minimum=MIN_POINTS,
        )
    if frame["_y"].nunique() < 2:
        refuse("no_variation", "The outcome has the same value in every period.")
    if spec.outcome_kind == OutcomeKind.COUNT:
        if (frame["_y"] < 0).any() or (frame["_y"] % 1 != 0).any():
            refuse("not_counts", "A count outcome must hold whole numbers from 0 up.")
        if "_e" in frame and (frame["_e"] <= 0).any():
            refuse("bad_exposure", "The exposure must be above 0 in every period.")
    start = float(frame.loc[after, "_k"].min())
    frame["_post"] = after.astype(float)
    frame["_since"] = (frame["_k"] - start) * frame["_post"]
    return frame


def _design_matrix(frame: pd.DataFrame, spec: AnalysisSpec) -> pd.DataFrame:
    import numpy as np

    x = frame[["_k", "_post", "_since"]].copy()
    x.insert(0, "const", 1.0)
    period = spec.season_period
    if period and period >= 2:
        harmonics = 2 if period >= 6 else 1
        for k in range(1, harmonics + 1):
            angle = 2 * np.pi * k * frame["_k"] / period
            x[f"sin{k}"] = np.sin(angle)
            if 2 * k != period:  # cos(πt) alone when P = 2k: sin is identically 0
                x[f"cos{k}"] = np.cos(angle)
            else:
                x = x.drop(columns=[f"sin{k}"])
                x[f"cos{k}"] = np.cos(angle)
    return x


def _counterfactual(design: pd.DataFrame) -> pd.DataFrame:
    cf = design.copy()
    cf["_post"] = 0.0
    cf["_since"] = 0.0
    return cf


def _chart(
    frame: pd.DataFrame, fitted: Any, counterfactual: Any, spec: AnalysisSpec
) -> dict[str, Any]:
    return {
        "kind": "its",
        "intervention_time": json_label(spec.intervention_time),
        "points": [
            {
                "time": json_label(t),
                "observed": float(y),
                "fitted": float(f),
                "counterfactual": float(c),
            }
            for t, y, f, c in zip(frame["_t"], frame["_y"], fitted, counterfactual, strict=True)
        ],
    }


def _ols(frame: pd.DataFrame, x: pd.DataFrame, spec: AnalysisSpec) -> Estimate:
    import statsmodels.api as sm

    k = x.shape[1]
    rho = corrected_rho(sm.OLS(frame["_y"], x).fit().resid.to_numpy(), k)
    fit = sm.OLS(*prais_winsten(frame["_y"], x, rho)).fit()
    end = x.iloc[-1]
    gradient = (end - _counterfactual(x).iloc[-1]).to_numpy()
    params, cov = fit.params.to_numpy(), fit.cov_params().to_numpy()
    # One more degree of freedom spent on ρ.
    df = float(fit.df_resid) - 1
    cov = cov * fit.df_resid / df
    effect = float(gradient @ params)
    se = float(math.sqrt(gradient @ cov @ gradient))
    sigma = math.sqrt(float(fit.ssr) / df)
    low_t, high_t, p_value = bootstrap_t(
        x.to_numpy(dtype=float), gradient, params, sigma, rho, effect, se, spec
    )
    fitted = x @ fit.params
    counterfactual = _counterfactual(x) @ fit.params
    base = float(counterfactual.iloc[-1])
    relative = relative_ci = None
    ci_low, ci_high = effect - high_t * se, effect - low_t * se
    if base != 0:
        relative = effect / base
        bounds = sorted((ci_low / base, ci_high / base))
        relative_ci = (bounds[0], bounds[1])
    return Estimate(
        design=spec.design,
        estimator="segmented_prais_winsten_ar1_bootstrap_t",
        estimate=effect,
        se=se,
        ci_low=ci_low,
        ci_high=ci_high,
        p_value=p_value,
        n=1,
        n_obs=len(frame),
        baseline=base,
        relative=relative,
        relative_ci=relative_ci,
        chart=_chart(frame, fitted, counterfactual, spec),
        checks=[_autocorrelation_check(rho)],
        details={
            "level_change": _coef(fit, "_post", df),
            "slope_change": _coef(fit, "_since", df),
            "pre_slope": _coef(fit, "_k", df),
            "ar1_rho": rho,
            "bootstrap_draws": BOOTSTRAP_DRAWS,
            "t_interval": {
                "ci_low": effect - critical(spec.alpha, df) * se,
                "ci_high": effect + critical(spec.alpha, df) * se,
                "p_value": p_two_sided(effect / se if se > 0 else math.inf, df),
            },
            "newey_west": _newey_west(frame, x, gradient, spec),
            "season_period": spec.season_period,
            "effect_at": json_label(frame["_t"].iloc[-1]),
        },
    )


def bootstrap_t(
    x: Any,
    gradient: Any,
    params: Any,
    sigma: float,
    rho: float,
    effect: float,
    se: float,
    spec: AnalysisSpec,
) -> tuple[float, float, float]:
    """The quantiles (α/2, 1 − α/2) of the studentised effect and its two-sided p-value, by a
    parametric bootstrap of the fitted model: ``BOOTSTRAP_DRAWS`` series with AR(1) errors of
    the estimated ρ and innovation SD, each refitted exactly as the data were (ρ re-estimated
    and corrected, Prais–Winsten, SE). Studentising carries the uncertainty of ρ into the
    interval, which a t interval leaves out (reproducible: ``spec.seed``)."""
    import numpy as np

    rng = np.random.default_rng(spec.seed)
    n, k = x.shape
    draws = BOOTSTRAP_DRAWS
    shocks = rng.normal(size=(draws, n))
    errors = np.empty((draws, n))
    errors[:, 0] = shocks[:, 0] / math.sqrt(1 - rho**2)
    for t in range(1, n):
        errors[:, t] = rho * errors[:, t - 1] + shocks[:, t]
    series = x @ params + sigma * errors
    # Every draw refitted at once: OLS residuals → corrected ρ → Prais–Winsten → the SE.
    ols = np.linalg.lstsq(x, series.T, rcond=None)[0].T
    residuals = series - ols @ x.T
    lag1 = np.sum(residuals[:, 1:] * residuals[:, :-1], axis=1) / np.sum(residuals**2, axis=1)
    rhos = np.clip(lag1 + (1 + 3 * lag1) / n + k * (1 + lag1) / n, -0.95, 0.95)
    scale = np.sqrt(1 - rhos**2)
    y_star = series.copy()
    y_star[:, 1:] = series[:, 1:] - rhos[:, None] * series[:, :-1]
    y_star[:, 0] = scale * series[:, 0]
    x_star = np.repeat(x[None], draws, axis=0)
    x_star[:, 1:] = x[None, 1:] - rhos[:, None, None] * x[None, :-1]
    x_star[:, 0] = scale[:, None] * x[None, 0]
    xtx = np.einsum("bni,bnj->bij", x_star, x_star)
    beta = np.linalg.solve(xtx, np.einsum("bni,bn->bi", x_star, y_star)[..., None])[..., 0]
    fitted_star = np.einsum("bni,bi->bn", x_star, beta)
    variance = np.sum((y_star - fitted_star) ** 2, axis=1) / (n - k - 1)
    spread = np.einsum("i,bij,j->b", gradient, np.linalg.inv(xtx), gradient) * variance
    studentised = (beta @ gradient - effect) / np.sqrt(spread)
    low, high = np.quantile(studentised, [spec.alpha / 2, 1 - spec.alpha / 2])
    observed = abs(effect / se) if se > 0 else math.inf
    p_value = float((1 + np.sum(np.abs(studentised) >= observed)) / (draws + 1))
    return float(low), float(high), p_value


def corrected_rho(residuals: Any, regressors: int) -> float:
    """The lag-1 autocorrelation of OLS residuals, corrected for its small-sample bias (see the
    module's docstring), kept within (−0.95, 0.95) so the transform stays defined."""
    import numpy as np

    e = np.asarray(residuals, dtype=float)
    n = len(e)
    denominator = float(np.sum(e**2))
    r1 = float(np.sum(e[1:] * e[:-1]) / denominator) if denominator > 0 else 0.0
    rho = r1 + (1 + 3 * r1) / n + regressors * (1 + r1) / n
    return max(-0.95, min(0.95, rho))


def prais_winsten(y: Any, x: pd.DataFrame, rho: float) -> tuple[Any, pd.DataFrame]:
    """``y`` and ``x`` transformed so OLS on them is GLS with AR(1) errors of coefficient
    ``rho`` (Prais–Winsten: the first point kept, scaled by √(1−ρ²))."""
    scale = math.sqrt(1 - rho**2)
    y_star = y - rho * y.shift(1)
    x_star = x - rho * x.shift(1)
    y_star.iloc[0] = scale * y.iloc[0]
    x_star.iloc[0] = scale * x.iloc[0]
    return y_star, x_star


def _newey_west(
    frame: pd.DataFrame, x: pd.DataFrame, gradient: Any, spec: AnalysisSpec
) -> dict[str, float]:
    """OLS with Newey–West standard errors, for comparison (too narrow on short series)."""
    import statsmodels.api as sm

    lags = newey_west_lags(len(frame))
    fit = sm.OLS(frame["_y"], x).fit(
        cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}, use_t=True
    )
    effect = float(gradient @ fit.params.to_numpy())
    se = float(math.sqrt(gradient @ fit.cov_params().to_numpy() @ gradient))
    z = critical(spec.alpha, float(fit.df_resid))
    return {
        "estimate": effect,
        "se": se,
        "ci_low": effect - z * se,
        "ci_high": effect + z * se,
        "lags": lags,
    }


def _autocorrelation_check(rho: float) -> Check:
    message = Message(
        "its_autocorrelation",
        "Successive points are correlated (ρ = {rho}); the margin of error allows for it.",
        {"rho": round(rho, 2)},
    )
    return Check("autocorrelation", True, message)


def _coef(fit: Any, name: str, df: float | None = None) -> dict[str, float]:
    se = float(fit.bse[name])
    if df is not None:  # the degree of freedom spent on ρ
        se *= math.sqrt(fit.df_resid / df)
    return {"estimate": float(fit.params[name]), "se": se}


def _poisson(frame: pd.DataFrame, x: pd.DataFrame, spec: AnalysisSpec) -> Estimate:
    import numpy as np
    import statsmodels.api as sm

    offset = np.log(frame["_e"].to_numpy(float)) if "_e" in frame else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.GLM(frame["_y"], x, family=sm.families.Poisson(), offset=offset).fit(scale="X2")
    params, cov = fit.params.to_numpy(), fit.cov_params().to_numpy()
    cf = _counterfactual(x)
    end, end_cf = x.iloc[-1].to_numpy(), cf.iloc[-1].to_numpy()
    log_exposure = float(offset[-1]) if offset is not None else 0.0
    mu1 = float(np.exp(end @ params + log_exposure))
    mu0 = float(np.exp(end_cf @ params + log_exposure))
    effect = mu1 - mu0
    gradient = mu1 * end - mu0 * end_cf
    se = float(math.sqrt(gradient @ cov @ gradient))
    contrast = end - end_cf
    log_rr = float(contrast @ params)
    log_se = float(math.sqrt(contrast @ cov @ contrast))
    z = critical(spec.alpha)
    fitted = fit.predict(x, offset=offset)
    counterfactual = fit.predict(cf, offset=offset)
    return Estimate(
        design=spec.design,
        estimator="segmented_quasi_poisson",
        estimate=effect,
        se=se,
        ci_low=effect - z * se,
        ci_high=effect + z * se,
        p_value=p_two_sided(log_rr / log_se if log_se > 0 else math.inf),
        n=1,
        n_obs=len(frame),
        baseline=mu0,
        relative=math.exp(log_rr) - 1,
        relative_ci=(math.exp(log_rr - z * log_se) - 1, math.exp(log_rr + z * log_se) - 1),
        chart=_chart(frame, fitted, counterfactual, spec),
        details={
            "rate_ratio": math.exp(log_rr),
            "level_change_rate_ratio": math.exp(float(fit.params["_post"])),
            "slope_change_rate_ratio": math.exp(float(fit.params["_since"])),
            "dispersion": float(fit.scale),
            "season_period": spec.season_period,
            "effect_at": json_label(frame["_t"].iloc[-1]),
        },
        warnings=_dispersion_warning(float(fit.scale)),
    )


def _dispersion_warning(scale: float) -> list[Message]:
    if scale < 1.5:
        return []
    return [
        Message(
            "overdispersed",
            "The counts vary {scale} times more than a Poisson model expects; the margin of "
            "error has been widened to match.",
            {"scale": round(scale, 1)},
        )
    ]
