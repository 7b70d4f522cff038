"""Difference-in-differences with one adoption date, and stepped-wedge designs: two-way fixed
effects (unit and period) with cluster-robust (CRV1) standard errors, an event study of leads
and lags around the start, and the pre-trend test (a joint Wald test of the leads).

Data: one row per unit and period (for a stepped wedge, rows may be people or sites inside a
cluster: the fixed effects are then the cluster's). Treatment is either

- a group indicator (``columns.treated`` constant within a unit) plus ``spec.intervention_time``
  (DID only): treated in a row = in the treated group and at or after that time; or
- a time-varying 0/1 ``columns.treated`` that, once 1, stays 1 (the usual stepped wedge).

Inference: pyfixest's CRV1 with the small-sample factor and Student's t on G − 1 degrees of
freedom (G = clusters), as R's fixest. Refused below ``MIN_CLUSTERS`` clusters; a failed check
below ``FEW_CLUSTERS``, where CRV1 intervals are known to cover less than they say.

When units start at different times, TWFE compares late adopters with early ones and can be
biased (Goodman-Bacon 2021): a DID with several start dates gets a warning pointing to the
staggered design (Callaway–Sant'Anna). A stepped wedge is analysed as the classical
Hussey–Hughes model (a common treatment effect), which is what that design assumes. Its event
study has two reference periods (−1 and the earliest lead), since without never-treated
clusters one alone leaves a trend across event times unidentified.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

from civiclab.evaluation.stats._common import (
    binary_column,
    clean_frame,
    period_index,
    refuse,
)
from civiclab.evaluation.stats.types import (
    AnalysisSpec,
    Check,
    Design,
    Estimate,
    Message,
)

if TYPE_CHECKING:
    import pandas as pd

MIN_CLUSTERS = 6  # refuse: a cluster-robust variance from fewer clusters is not an estimate
FEW_CLUSTERS = 30  # failed check: CRV1 intervals under-cover with few clusters (Cameron–Miller)
MIN_SIDE_CLUSTERS = 2  # refuse: with one treated (or one untreated) cluster CRV1 is meaningless
FEW_SIDE_CLUSTERS = 5  # failed check: few treated or untreated clusters (MacKinnon–Webb 2017)


def analyse(data: pd.DataFrame, spec: AnalysisSpec) -> Estimate:
    if spec.design not in (Design.DID, Design.STEPPED_WEDGE):
        refuse("wrong_design", "This estimator handles DiD and stepped-wedge designs only.")
    frame = _prepare(data, spec)
    timing = _preflight(frame, spec)
    fit = _twfe(frame, spec)
    event = event_study(frame, timing, spec)
    return _estimate(frame, timing, fit, event, spec)


def _prepare(data: pd.DataFrame, spec: AnalysisSpec) -> pd.DataFrame:
    cols = spec.columns
    if cols.time is None or cols.treated is None:
        refuse(
            "missing_columns",
            "A difference-in-differences needs a period column and a treatment column.",
        )
    stepped = spec.design == Design.STEPPED_WEDGE
    fe_unit = cols.cluster if (stepped and cols.cluster) else cols.unit
    mapping: dict[str, str | None] = {
        "_y": cols.outcome,
        "_u": cols.unit,
        "_t": cols.time,
        "_g": cols.treated,
        "_c": cols.cluster or fe_unit,
        "_fe": fe_unit,
        "_w": cols.weight,
    }
    # the same source column may play two parts (unit = cluster): select each once
    frame = clean_frame(data, {k: v for k, v in mapping.items() if k not in ("_c", "_fe")}, spec)
    frame["_c"] = data.loc[frame.index, mapping["_c"]]
    frame["_fe"] = data.loc[frame.index, fe_unit]
    binary_column(frame, "_g", cols.treated)
    frame["_g"] = frame["_g"].astype(int)
    frame["_p"] = period_index(frame["_t"])
    if spec.intervention_time is not None:
        if stepped:
            refuse(
                "wrong_timing",
                "A stepped wedge takes its timing from the treatment column, not from one "
                "intervention time.",
            )
        if (frame.groupby("_fe")["_g"].nunique() > 1).any():
            refuse(
                "treated_varies",
                "With an intervention time, the treatment column says which units are in the "
                "treated group, so it must not change within a unit.",
            )
        after = frame["_t"] >= spec.intervention_time
        if not after.any():
            refuse("no_post_period", "No period is at or after the intervention time.")
        if after.all():
            refuse(
                "no_pre_period",
                "Every period is at or after the intervention time: there is no before.",
            )
        frame["_d"] = frame["_g"] * after.astype(int)
    else:
        frame["_d"] = frame["_g"]
    return frame


def _preflight(frame: pd.DataFrame, spec: AnalysisSpec) -> pd.Series:
    """Checks the panel and returns each fixed-effect unit's first treated period (NaN:
    never treated)."""
    cells = frame.groupby(["_fe", "_p"])["_d"]
    if (cells.nunique() > 1).any():
        refuse(
            "treatment_varies_in_cell",
            "Treatment must be the same for every row of a cluster in a period.",
        )
    by_unit = frame.groupby(["_fe", "_p"])["_d"].max().unstack("_p")
    # once treated, stays treated: a running maximum equals the series itself
    filled = by_unit.ffill(axis=1).fillna(0)
    reverses = int((filled.cummax(axis=1) != filled).any(axis=1).sum())
    if reverses:
        refuse(
            "treatment_reverses",
            "Treatment stops in {units} units; this estimator needs a treatment that, once "
            "started, continues.",
            units=reverses,
        )
    n_clusters = int(frame["_c"].nunique())
    if n_clusters < MIN_CLUSTERS:
        refuse(
            "too_few_clusters",
            "Only {clusters} clusters (units of assignment): at least {minimum} are needed "
            "for an honest margin of error.",
            clusters=n_clusters,
            minimum=MIN_CLUSTERS,
        )
    first = frame.loc[frame["_d"] == 1].groupby("_fe")["_p"].min()
    start = frame.groupby("_fe")["_p"].min()
    adoption = first.reindex(start.index)
    if adoption.isna().all():
        refuse("no_treated", "No unit is treated in any period.")
    always = int((adoption == start).sum())
    if always:
        refuse(
            "always_treated",
            "{units} units are treated from their first period on: without a before, they "
            "say nothing about the effect. Remove them or add earlier periods.",
            units=always,
        )
    if spec.design == Design.DID and adoption.notna().all():
        refuse(
            "no_untreated",
            "Every unit is treated at some point: a difference-in-differences needs units "
            "that stay untreated (with different start dates, use the staggered design).",
        )
    if spec.design == Design.DID:
        treated_clusters = frame.loc[frame["_fe"].isin(adoption.dropna().index), "_c"].nunique()
        control_clusters = frame.loc[frame["_fe"].isin(adoption[adoption.isna()].index), "_c"]
        smallest = min(int(treated_clusters), int(control_clusters.nunique()))
        if smallest < MIN_SIDE_CLUSTERS:
            refuse(
                "too_few_clusters_per_side",
                "The treated or the comparison side has only {clusters} cluster: at least "
                "{minimum} on each side are needed for a margin of error.",
                clusters=smallest,
                minimum=MIN_SIDE_CLUSTERS,
            )
    if spec.design == Design.STEPPED_WEDGE:
        mixed = frame.groupby("_p")["_d"].nunique() > 1
        if not mixed.any():
            refuse(
                "no_untreated",
                "No period has both treated and untreated clusters, so the wedge compares nothing.",
            )
    return adoption


def _fixest(formula: str, frame: pd.DataFrame, spec: AnalysisSpec) -> Any:
    import pyfixest as pf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.feols(
            formula,
            data=frame,
            vcov={"CRV1": "_c"},
            weights="_w" if spec.columns.weight else None,
        )


def _twfe(frame: pd.DataFrame, spec: AnalysisSpec) -> dict[str, float]:
    fit = _fixest("_y ~ _d | _fe + _p", frame, spec)
    ci = fit.confint(alpha=spec.alpha)
    return {
        "estimate": float(fit.coef()["_d"]),
        "se": float(fit.se()["_d"]),
        "p": float(fit.pvalue()["_d"]),
        "low": float(ci.iloc[0, 0]),
        "high": float(ci.iloc[0, 1]),
    }


def event_study(frame: pd.DataFrame, adoption: pd.Series, spec: AnalysisSpec) -> dict[str, Any]:
    """Leads and lags relative to each unit's start (reference: the period just before, −1),
    with the joint Wald test (F, CRV1) that all leads are zero."""
    import numpy as np

    rel = frame["_p"] - frame["_fe"].map(adoption)
    observed = sorted(int(k) for k in rel.dropna().unique())
    references = {-1}
    if adoption.notna().all():
        # Every unit is treated in the end (a stepped wedge): event time = period − start is
        # then a combination of the two fixed effects, so a linear trend across event times
        # is not identified; a second reference period (the earliest lead, else the latest
        # lag) pins it (Borusyak, Jaravel and Spiess 2024).
        references.add(observed[0] if observed[0] < -1 else observed[-1])
    periods = [k for k in observed if k not in references]
    work = frame[["_y", "_fe", "_p", "_c"] + (["_w"] if spec.columns.weight else [])].copy()
    names = {}
    for k in periods:
        name = f"ev_m{-k}" if k < 0 else f"ev_p{k}"
        names[name] = k
        work[name] = (rel == k).astype(np.int8)
    fit = _fixest(f"_y ~ {' + '.join(names)} | _fe + _p", work, spec)
    coef, se = fit.coef(), fit.se()
    ci = fit.confint(alpha=spec.alpha)
    points: list[dict[str, Any]] = [
        {"period": k, "estimate": 0.0, "ci_low": 0.0, "ci_high": 0.0, "reference": True}
        for k in sorted(references)
    ]
    for name, k in names.items():
        if name not in coef.index:  # dropped as collinear (no never-treated units)
            continue
        points.append(
            {
                "period": k,
                "estimate": float(coef[name]),
                "se": float(se[name]),
                "ci_low": float(ci.loc[name].iloc[0]),
                "ci_high": float(ci.loc[name].iloc[1]),
                "reference": False,
            }
        )
    points.sort(key=lambda point: int(point["period"]))
    leads = [i for i, name in enumerate(coef.index) if names.get(name, 0) <= -2]
    test: dict[str, Any] | None = None
    if leads:
        restriction = np.zeros((len(leads), len(coef)))
        for row, col in enumerate(leads):
            restriction[row, col] = 1.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wald = fit.wald_test(R=restriction)
        test = {
            "statistic": float(wald["statistic"]),
            "df": len(leads),
            "p_value": float(wald["pvalue"]),
        }
    return {"points": points, "pre_trend_test": test}


def pre_trend_check(test: dict[str, Any] | None, alpha: float) -> Check:
    if test is None:
        return Check(
            "pre_trends",
            False,
            Message(
                "pre_trends_untestable",
                "Only one period before the start: whether the groups were already drifting "
                "apart cannot be tested.",
            ),
        )
    p = round(test["p_value"], 3)
    if test["p_value"] >= alpha:
        return Check(
            "pre_trends",
            True,
            Message(
                "pre_trends_parallel",
                "The periods before the pilot show no diverging trend (p = {p}).",
                {"p": p},
            ),
        )
    return Check(
        "pre_trends",
        False,
        Message(
            "pre_trends_diverging",
            "Before the pilot, the groups were already moving apart (p = {p}): the estimate "
            "may mix the pilot's effect with that earlier difference.",
            {"p": p},
        ),
    )


def _estimate(
    frame: pd.DataFrame,
    adoption: pd.Series,
    fit: dict[str, float],
    event: dict[str, Any],
    spec: AnalysisSpec,
) -> Estimate:
    n_clusters = int(frame["_c"].nunique())
    checks = [pre_trend_check(event["pre_trend_test"], spec.alpha)]
    checks.append(
        Check(
            "clusters",
            n_clusters >= FEW_CLUSTERS,
            Message(
                "clusters_count",
                "{clusters} clusters: margins of error are reliable from about {enough}.",
                {"clusters": n_clusters, "enough": FEW_CLUSTERS},
            ),
        )
    )
    if spec.design == Design.DID:
        treated = int(frame.loc[frame["_fe"].isin(adoption.dropna().index), "_c"].nunique())
        control = int(frame.loc[frame["_fe"].isin(adoption[adoption.isna()].index), "_c"].nunique())
        checks.append(
            Check(
                "clusters_per_side",
                min(treated, control) >= FEW_SIDE_CLUSTERS,
                Message(
                    "clusters_per_side",
                    "{treated} treated and {control} comparison clusters: with fewer than "
                    "{enough} on either side, margins of error are too narrow.",
                    {"treated": treated, "control": control, "enough": FEW_SIDE_CLUSTERS},
                ),
            )
        )
    warns: list[Message] = []
    starts = adoption.dropna().unique()
    if spec.design == Design.DID and len(starts) > 1:
        warns.append(
            Message(
                "did_staggered_start",
                "Units start at {starts} different times: a two-way fixed-effects estimate "
                "then compares late starters with early ones and can be biased; the staggered "
                "design (Callaway–Sant'Anna) avoids this.",
                {"starts": len(starts)},
            )
        )
    treated_units = adoption.dropna().index
    before = frame[frame["_fe"].isin(treated_units) & (frame["_d"] == 0)]
    baseline = float(before["_y"].mean()) if len(before) else None
    relative = relative_ci = None
    if baseline and math.isfinite(baseline) and baseline != 0:
        relative = fit["estimate"] / baseline
        bounds = sorted((fit["low"] / baseline, fit["high"] / baseline))
        relative_ci = (bounds[0], bounds[1])
    return Estimate(
        design=spec.design,
        estimator="twfe_cluster",
        estimate=fit["estimate"],
        se=fit["se"],
        ci_low=fit["low"],
        ci_high=fit["high"],
        p_value=fit["p"],
        n=int(frame["_u"].nunique()),
        n_obs=len(frame),
        n_clusters=n_clusters,
        baseline=baseline,
        relative=relative,
        relative_ci=relative_ci,
        checks=checks,
        warnings=warns,
        chart={"kind": "event_study", "reference_period": -1, "points": event["points"]},
        details={
            "fixed_effects": [
                "cluster" if spec.design == Design.STEPPED_WEDGE else "unit",
                "period",
            ],
            "vcov": "CRV1",
            "pre_trend_test": event["pre_trend_test"],
            "treated_units": len(treated_units),
            "start_periods": len(starts),
        },
    )
