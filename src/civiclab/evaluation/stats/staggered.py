"""Staggered adoption: Callaway and Sant'Anna's (2021) group-time average effects with csdid,
a port of R's ``did`` that matches ``did`` 2.5.0 on ``mpdta`` (tests/evaluation/test_staggered.py
checks every ATT(g, t), every aggregation and their standard errors to 1e-4).

Data: one row per unit and period, a balanced panel; ``columns.cohort`` holds the first treated
period (empty or 0: never treated), or ``columns.treated`` a 0/1 column that, once 1, stays 1
(the cohort is then the first period with a 1). Units first treated after the last period
count as never treated (as R's ``did`` does).

Choices, as R's defaults: doubly robust estimation (outcome regression when the covariates
make it fail is not attempted: it is refused), a "varying" base period (each pre-period effect
compares consecutive periods), no anticipation, analytic standard errors from the influence
functions clustered by unit (or ``columns.cluster``) — no bootstrap, so results are exactly
reproducible. The headline estimate is the "simple" aggregation (every post-treatment ATT(g, t)
weighted by cohort size); "dynamic" (event time), "group" and "calendar" are in ``details``,
the dynamic one is the chart. A two-way fixed-effects estimate is shown in ``details`` only,
as a benchmark, with a warning that it is biased under staggered adoption.
"""

from __future__ import annotations

import contextlib
import io
import math
import warnings
from typing import TYPE_CHECKING, Any

from civiclab.evaluation.stats._common import (
    binary_column,
    clean_frame,
    critical,
    p_two_sided,
    period_index,
    refuse,
)
from civiclab.evaluation.stats.did import pre_trend_check
from civiclab.evaluation.stats.types import (
    AnalysisSpec,
    Check,
    Design,
    Estimate,
    Message,
)

if TYPE_CHECKING:
    import pandas as pd

MIN_PRE_PERIODS = 1  # a cohort needs a period before its start (its base period)
MIN_UNITS = 10  # refuse below: too few units for influence-function standard errors
AGGREGATIONS = ("simple", "dynamic", "group", "calendar")
CONTROL_GROUPS = {"never_treated": "nevertreated", "not_yet_treated": "notyettreated"}


def analyse(data: pd.DataFrame, spec: AnalysisSpec) -> Estimate:
    if spec.design != Design.STAGGERED_DID:
        refuse("wrong_design", "This estimator handles staggered adoption only.")
    frame, labels = _prepare(data, spec)
    messages = _preflight(frame, labels, spec)
    result = callaway_santanna(
        frame,
        control_group=spec.control_group,
        covariates=[f"_x{i}" for i in range(len(spec.columns.covariates))],
        clustered=spec.columns.cluster is not None,
        alpha=spec.alpha,
    )
    return _estimate(frame, labels, result, messages, spec)


def _prepare(data: pd.DataFrame, spec: AnalysisSpec) -> tuple[pd.DataFrame, list[Any]]:
    """The panel under csdid's names: ``_y``, ``_id`` (integer), ``_t`` (period 1, 2, …),
    ``_g`` (first treated period, 0 never); ``labels[k - 1]`` is period k's own label."""
    import numpy as np

    cols = spec.columns
    if cols.time is None or (cols.cohort is None and cols.treated is None):
        refuse(
            "missing_columns",
            "A staggered analysis needs a period column and either a first-treated-period "
            "column or a treatment column.",
        )
    if spec.control_group not in CONTROL_GROUPS:
        refuse(
            "bad_control_group",
            "The comparison group must be never-treated or not-yet-treated units.",
        )
    mapping: dict[str, str | None] = {
        "_y": cols.outcome,
        "_unit": cols.unit,
        "_time": cols.time,
        "_d": cols.treated if cols.cohort is None else None,
        "_c": cols.cluster,
        "_w": cols.weight,
    }
    for i, name in enumerate(cols.covariates):
        mapping[f"_x{i}"] = name
    frame = clean_frame(data, mapping, spec)
    if cols.cohort is not None:
        if cols.cohort not in data.columns:
            refuse("missing_columns", "The table has no column {columns}.", columns=cols.cohort)
        frame["_cohort"] = data.loc[frame.index, cols.cohort]
    if frame.duplicated(["_unit", "_time"]).any():
        refuse("duplicate_rows", "Some units have more than one row for the same period.")
    labels = sorted(frame["_time"].unique().tolist())
    frame["_t"] = period_index(frame["_time"]) + 1
    if cols.cohort is None:
        binary_column(frame, "_d", cols.treated or "")
        first = frame.loc[frame["_d"] == 1].groupby("_unit")["_t"].min()
        frame["_g"] = frame["_unit"].map(first).fillna(0).astype(int)
    else:
        cohort = frame["_cohort"]
        never = cohort.isna() | (cohort == 0)
        position = {label: k + 1 for k, label in enumerate(labels)}
        mapped = cohort.map(position)
        later = ~never & mapped.isna() & (cohort > labels[-1])
        unknown = ~never & mapped.isna() & ~later
        if unknown.any():
            refuse(
                "bad_cohort",
                "{rows} rows have a first treated period that is not one of the periods.",
                rows=int(unknown.sum()),
            )
        frame["_g"] = mapped.where(~(never | later), 0).astype(int)
    if (frame.groupby("_unit")["_g"].nunique() > 1).any():
        refuse("cohort_varies", "A unit's first treated period must be the same in all rows.")
    frame["_id"] = frame["_unit"].astype("category").cat.codes.astype(np.int64) + 1
    return frame, labels


def _preflight(frame: pd.DataFrame, labels: list[Any], spec: AnalysisSpec) -> list[Message]:
    units = frame.drop_duplicates("_id")
    if len(units) < MIN_UNITS:
        refuse(
            "too_few_units",
            "Only {units} units: at least {minimum} are needed.",
            units=len(units),
            minimum=MIN_UNITS,
        )
    periods = frame.groupby("_id")["_t"].nunique()
    if (periods != len(labels)).any():
        refuse(
            "unbalanced_panel",
            "{units} units lack some periods: this analysis needs every unit in every period.",
            units=int((periods != len(labels)).sum()),
        )
    cohorts = sorted(int(g) for g in units["_g"].unique() if g > 0)
    if not cohorts:
        refuse("no_treated", "No unit is treated in any period.")
    for g in cohorts:
        if g - 1 < MIN_PRE_PERIODS:
            refuse(
                "cohort_without_pre_period",
                "The units first treated in {cohort} have no period before it to compare "
                "with: remove them or add earlier periods.",
                cohort=_plain(labels[g - 1]),
            )
    never = int((units["_g"] == 0).sum())
    if spec.control_group == "never_treated" and never == 0:
        refuse(
            "no_untreated",
            "No unit stays untreated: compare with not-yet-treated units instead.",
        )
    messages = [
        Message(
            "twfe_benchmark_only",
            "The two-way fixed-effects estimate in the details is a benchmark only: with "
            "units starting at different times it can be biased, even in sign.",
        )
    ]
    return messages


def _plain(value: Any) -> Any:
    """A period label as JSON takes it (numpy scalars to Python ones)."""
    return value.item() if hasattr(value, "item") else value


def callaway_santanna(
    frame: pd.DataFrame,
    *,
    control_group: str = "never_treated",
    covariates: list[str] | None = None,
    est_method: str = "dr",
    clustered: bool = False,
    alpha: float = 0.05,
) -> dict[str, Any]:
    """ATT(g, t) and the four aggregations on a panel with csdid's columns (``_y``, ``_id``,
    ``_t``, ``_g``; covariates by their column names). Analytic standard errors."""
    import numpy as np
    from csdid.att_gt import ATTgt

    xformla = "~ " + " + ".join(covariates) if covariates else None
    quiet = io.StringIO()
    with contextlib.redirect_stdout(quiet), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ATTgt(
            yname="_y",
            tname="_t",
            idname="_id",
            gname="_g",
            data=frame,
            control_group=[CONTROL_GROUPS[control_group]],
            xformla=xformla,
            clustervar="_c" if clustered else None,
            weights_name="_w" if "_w" in frame else None,
            alp=alpha,
            cband=False,
        ).fit(est_method=est_method, base_period="varying", bstrap=False)
        res = model.results
        att_gt = [
            {"group": int(g), "t": int(t), "att": float(a), "se": float(s)}
            for g, t, a, s in zip(res["group"], res["year"], res["att"], res["se"], strict=True)
        ]
        aggregations: dict[str, Any] = {}
        for kind in AGGREGATIONS:
            model.aggte(typec=kind, bstrap=False, cband=False, alp=alpha)
            agg = model.atte
            rows = []
            if kind != "simple":
                for e, a, s in zip(agg["egt"], agg["att_egt"], agg["se_egt"], strict=True):
                    rows.append({"e": int(e), "att": float(a), "se": float(np.asarray(s).item())})
            aggregations[kind] = {
                "att": float(agg["overall_att"]),
                "se": float(agg["overall_se"]),
                "by": rows,
            }
    wald = model.MP.get("W")
    pretest = None
    if wald is not None and model.MP.get("Wpval") is not None:
        pretest = {"statistic": float(wald), "p_value": float(model.MP["Wpval"])}
    return {"att_gt": att_gt, "aggregations": aggregations, "pre_trend_test": pretest}


def _twfe_benchmark(frame: pd.DataFrame, alpha: float) -> dict[str, float]:
    import pyfixest as pf

    work = frame[["_y", "_id", "_t", "_g"]].copy()
    work["_treat"] = ((work["_g"] > 0) & (work["_t"] >= work["_g"])).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.feols("_y ~ _treat | _id + _t", data=work, vcov={"CRV1": "_id"})
    ci = fit.confint(alpha=alpha)
    return {
        "estimate": float(fit.coef()["_treat"]),
        "se": float(fit.se()["_treat"]),
        "ci_low": float(ci.iloc[0, 0]),
        "ci_high": float(ci.iloc[0, 1]),
    }


def _estimate(
    frame: pd.DataFrame,
    labels: list[Any],
    result: dict[str, Any],
    messages: list[Message],
    spec: AnalysisSpec,
) -> Estimate:
    z = critical(spec.alpha)
    simple = result["aggregations"]["simple"]
    est, se = simple["att"], simple["se"]
    if not (math.isfinite(est) and math.isfinite(se)):
        refuse(
            "not_estimable",
            "The effect could not be estimated from these data (too few comparable units).",
        )

    def label(k: int) -> Any:
        return _plain(labels[k - 1])

    details: dict[str, Any] = {
        "control_group": spec.control_group,
        "base_period": "varying",
        "estimation": "doubly_robust",
        "att_gt": [
            {**row, "group": label(row["group"]), "t": label(row["t"])} for row in result["att_gt"]
        ],
        "aggregations": {},
        "pre_trend_test": result["pre_trend_test"],
        "twfe_benchmark": _twfe_benchmark(frame, spec.alpha),
    }
    for kind, agg in result["aggregations"].items():
        rows = []
        for row in agg["by"]:
            key = row["e"] if kind == "dynamic" else label(row["e"])
            rows.append({"key": key, "att": row["att"], "se": row["se"]})
        details["aggregations"][kind] = {"att": agg["att"], "se": agg["se"], "by": rows}
    points = [
        {
            "period": row["key"],
            "estimate": row["att"],
            "se": row["se"],
            "ci_low": row["att"] - z * row["se"],
            "ci_high": row["att"] + z * row["se"],
            "reference": False,
        }
        for row in details["aggregations"]["dynamic"]["by"]
    ]
    pretest = result["pre_trend_test"]
    checks: list[Check] = [pre_trend_check(pretest, spec.alpha)]
    treated = frame[(frame["_g"] > 0) & (frame["_t"] < frame["_g"])]
    baseline = float(treated["_y"].mean()) if len(treated) else None
    relative = relative_ci = None
    if baseline:
        relative = est / baseline
        bounds = sorted(((est - z * se) / baseline, (est + z * se) / baseline))
        relative_ci = (bounds[0], bounds[1])
    units = frame.drop_duplicates("_id")
    return Estimate(
        design=spec.design,
        estimator="callaway_santanna",
        estimate=est,
        se=se,
        ci_low=est - z * se,
        ci_high=est + z * se,
        p_value=p_two_sided(est / se),
        n=len(units),
        n_obs=len(frame),
        n_clusters=int(frame["_c"].nunique()) if "_c" in frame else len(units),
        baseline=baseline,
        relative=relative,
        relative_ci=relative_ci,
        checks=checks,
        warnings=messages,
        chart={"kind": "event_study", "reference_period": None, "points": points},
        details=details,
    )
