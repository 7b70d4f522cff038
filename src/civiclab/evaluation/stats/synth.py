"""Synthetic control with the network as donor pool: one city's indicator (the treated unit,
``spec.treated_unit``) against the same indicator in peer cities, with pysyncon's ``Synth``.

The donors' weights (non-negative, summing to 1) minimise the pre-period distance between the
treated series and the weighted donors, every pre-period outcome counting equally (pysyncon's
``Synth.fit`` on matrices with an identity V: the "all lagged outcomes" specification, which
needs no covariates the network does not share). Reported:

- ``estimate``: the mean post-period gap (treated − synthetic), in the outcome's units;
- the pre-period RMSPE, the post-period RMSPE and their ratio;
- in-space placebo inference (Abadie, Diamond & Hainmueller 2010): every donor in turn is
  treated as if it were the pilot city, with the other donors as its pool; the p-value is the
  rank of the treated city's post/pre RMSPE ratio among all of them, divided by their number
  (the smallest possible p is 1 / (donors + 1), hence ``MIN_DONORS``).

Synthetic control has no standard error: ``se`` and the interval are NaN, the placebo p-value
is the inference. Refused with fewer than ``MIN_DONORS`` donors or ``MIN_PRE_PERIODS``
pre-periods (Abadie 2021: a short pre-period lets the weights fit noise), and when the pre-period
fit is poor: RMSPE above ``POOR_FIT`` of the treated series' mean absolute pre-period level.
Donors lacking periods are left out (a warning says how many).
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

from civiclab.evaluation.stats._common import clean_frame, json_label, refuse
from civiclab.evaluation.stats.types import (
    AnalysisSpec,
    Check,
    Design,
    Estimate,
    Message,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

MIN_DONORS = 5
MIN_PRE_PERIODS = 5
POOR_FIT = 0.10  # pre-period RMSPE / mean |treated pre-period level|: above, refused


def analyse(data: pd.DataFrame, spec: AnalysisSpec) -> Estimate:
    if spec.design != Design.SYNTHETIC_CONTROL:
        refuse("wrong_design", "This estimator handles synthetic controls only.")
    wide, messages = _prepare(data, spec)
    pre = wide.index < spec.intervention_time
    treated = spec.treated_unit
    donors = [u for u in wide.columns if u != treated]
    fit = fit_synth(wide, treated, donors, pre)
    scale = float(wide.loc[pre, treated].abs().mean())
    fit_ratio = fit["pre_rmspe"] / scale if scale > 0 else math.inf
    if fit_ratio > POOR_FIT:
        refuse(
            "poor_pre_fit",
            "No mix of the peer cities follows this city before the pilot closely enough "
            "(typical gap {gap}, {percent} percent of its level; at most {limit} percent is "
            "accepted), so "
            "their path after it is no fair comparison.",
            gap=round(fit["pre_rmspe"], 4),
            percent=round(100 * fit_ratio, 1),
            limit=round(100 * POOR_FIT),
        )
    ratios = {treated: fit["ratio"]}
    for donor in donors:
        others = [u for u in donors if u != donor]
        ratios[donor] = fit_synth(wide, donor, others, pre)["ratio"]
    rank = sum(1 for r in ratios.values() if r >= fit["ratio"])
    p_value = rank / len(ratios)
    return _estimate(wide, pre, fit, ratios, p_value, fit_ratio, messages, spec)


def _prepare(data: pd.DataFrame, spec: AnalysisSpec) -> tuple[pd.DataFrame, list[Message]]:
    cols = spec.columns
    if cols.time is None or spec.intervention_time is None or spec.treated_unit is None:
        refuse(
            "missing_columns",
            "A synthetic control needs a period column, the intervention time and the "
            "treated unit.",
        )
    frame = clean_frame(data, {"_y": cols.outcome, "_u": cols.unit, "_t": cols.time}, spec)
    if frame.duplicated(["_u", "_t"]).any():
        refuse("duplicate_rows", "Some units have more than one row for the same period.")
    wide = frame.pivot(index="_t", columns="_u", values="_y").sort_index()
    treated = spec.treated_unit
    if treated not in wide.columns:
        refuse("no_treated", "The treated unit {unit} is not in the table.", unit=str(treated))
    wide = wide[wide[treated].notna()]
    messages: list[Message] = []
    incomplete = [u for u in wide.columns if u != treated and wide[u].isna().any()]
    if incomplete:
        wide = wide.drop(columns=incomplete)
        messages.append(
            Message(
                "donors_incomplete",
                "{donors} peer cities lack some periods and were left out of the comparison.",
                {"donors": len(incomplete)},
            )
        )
    donors = len(wide.columns) - 1
    if donors < MIN_DONORS:
        refuse(
            "too_few_donors",
            "Only {donors} peer cities have the whole series: at least {minimum} are needed.",
            donors=donors,
            minimum=MIN_DONORS,
        )
    pre = int((wide.index < spec.intervention_time).sum())
    post = len(wide) - pre
    if pre < MIN_PRE_PERIODS:
        refuse(
            "too_few_pre_periods",
            "Only {periods} periods before the pilot: at least {minimum} are needed.",
            periods=pre,
            minimum=MIN_PRE_PERIODS,
        )
    if post < 1:
        refuse("no_post_period", "No period is at or after the intervention time.")
    if wide[treated].nunique() < 2:
        refuse("no_variation", "The treated city's outcome has the same value in every period.")
    return wide, messages


def fit_synth(
    wide: pd.DataFrame, treated: Any, donors: list[Any], pre: np.ndarray
) -> dict[str, Any]:
    """Weights from the pre-period outcomes (identity V), the synthetic series and its fit."""
    import numpy as np
    from pysyncon import Synth

    x0 = wide.loc[pre, donors]
    x1 = wide.loc[pre, treated]
    synth = Synth()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        synth.fit(X0=x0, X1=x1, Z0=x0, Z1=x1, custom_V=np.ones(len(x0)))
    weights = np.asarray(synth.W, dtype=float)
    synthetic = wide[donors].to_numpy() @ weights
    gap = wide[treated].to_numpy() - synthetic
    pre_rmspe = float(np.sqrt(np.mean(gap[pre] ** 2)))
    post_rmspe = float(np.sqrt(np.mean(gap[~pre] ** 2)))
    return {
        "weights": dict(zip(donors, weights.tolist(), strict=True)),
        "synthetic": synthetic,
        "gap": gap,
        "pre_rmspe": pre_rmspe,
        "post_rmspe": post_rmspe,
        "ratio": post_rmspe / pre_rmspe if pre_rmspe > 0 else math.inf,
    }


def _estimate(
    wide: pd.DataFrame,
    pre: np.ndarray,
    fit: dict[str, Any],
    ratios: dict[Any, float],
    p_value: float,
    fit_ratio: float,
    messages: list[Message],
    spec: AnalysisSpec,
) -> Estimate:
    treated = spec.treated_unit
    gap = fit["gap"]
    effect = float(gap[~pre].mean())
    baseline = float(fit["synthetic"][~pre].mean())
    weights = {
        str(json_label(u)): round(w, 6)
        for u, w in sorted(fit["weights"].items(), key=lambda item: -item[1])
        if w >= 1e-4
    }
    checks = [
        Check(
            "pre_fit",
            True,
            Message(
                "synth_pre_fit",
                "Before the pilot, the mix of peer cities follows this city within {percent} "
                "percent of its level.",
                {"percent": round(100 * fit_ratio, 1)},
            ),
        )
    ]
    return Estimate(
        design=spec.design,
        estimator="synthetic_control",
        estimate=effect,
        se=math.nan,
        ci_low=math.nan,
        ci_high=math.nan,
        p_value=p_value,
        n=len(wide.columns),
        n_obs=int(wide.size),
        baseline=baseline,
        relative=effect / baseline if baseline else None,
        checks=checks,
        warnings=messages,
        chart={
            "kind": "synthetic_control",
            "intervention_time": json_label(spec.intervention_time),
            "points": [
                {"time": json_label(t), "treated": float(y), "synthetic": float(s)}
                for t, y, s in zip(wide.index, wide[treated], fit["synthetic"], strict=True)
            ],
        },
        details={
            "weights": weights,
            "pre_rmspe": fit["pre_rmspe"],
            "post_rmspe": fit["post_rmspe"],
            "rmspe_ratio": fit["ratio"],
            "placebo_ratios": {str(json_label(u)): r for u, r in ratios.items()},
            "placebos": len(ratios) - 1,
            "donors": len(wide.columns) - 1,
            "alpha": spec.alpha,  # the wording calls the placebo p-value clear at or below it
        },
    )
