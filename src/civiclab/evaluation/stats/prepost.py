"""Before and after, without a comparison group: the mean after the start minus the mean
before. Paired by unit (each unit's mean after − its mean before, a one-sample t on those
differences) when every unit is seen on both sides; otherwise Welch's t on the rows.

Always shipped with a warning: anything else that changed at the same time (season, economy,
another policy, regression to the mean) is mixed into this difference, so it is weak evidence
and not a causal estimate.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from civiclab.evaluation.stats._common import clean_frame, critical, p_two_sided, refuse
from civiclab.evaluation.stats.types import AnalysisSpec, Design, Estimate, Message

if TYPE_CHECKING:
    import pandas as pd

MIN_ROWS = 2  # on each side (and, paired, units seen on both sides)

NOT_CAUSAL = Message(
    "pre_post_not_causal",
    "This compares before with after only: whatever else changed at the same time is mixed "
    "into the difference. It is weak evidence, not a measure of the pilot's effect.",
)


def analyse(data: pd.DataFrame, spec: AnalysisSpec) -> Estimate:
    if spec.design != Design.PRE_POST:
        refuse("wrong_design", "This estimator handles before/after comparisons only.")
    cols = spec.columns
    if cols.time is None or spec.intervention_time is None:
        refuse(
            "missing_columns",
            "A before/after comparison needs a period column and the intervention time.",
        )
    unit = cols.unit if cols.unit in data.columns else None
    frame = clean_frame(data, {"_y": cols.outcome, "_u": unit, "_t": cols.time}, spec)
    frame["_after"] = frame["_t"] >= spec.intervention_time
    before, after = frame[~frame["_after"]], frame[frame["_after"]]
    if len(before) < MIN_ROWS or len(after) < MIN_ROWS:
        refuse(
            "too_few_points",
            "There are {before} rows before the start and {after} after: at least {minimum} "
            "on each side are needed.",
            before=len(before),
            after=len(after),
            minimum=MIN_ROWS,
        )
    if frame["_y"].nunique() < 2:
        refuse("no_variation", "The outcome has the same value in every row.")
    paired = False
    if unit is not None:
        means = frame.groupby(["_u", "_after"])["_y"].mean().unstack("_after")
        paired = bool(len(means) >= MIN_ROWS and means.notna().all(axis=None))
    if paired:
        diffs = (means[True] - means[False]).to_numpy()
        n = len(diffs)
        estimate = float(diffs.mean())
        se = float(diffs.std(ddof=1) / math.sqrt(n))
        df = float(n - 1)
        estimator = "paired_t"
        baseline = float(means[False].mean())
    else:
        m1, m0 = float(after["_y"].mean()), float(before["_y"].mean())
        v1, v0 = float(after["_y"].var(ddof=1)), float(before["_y"].var(ddof=1))
        n1, n0 = len(after), len(before)
        estimate = m1 - m0
        se = math.sqrt(v1 / n1 + v0 / n0)
        df = (
            (v1 / n1 + v0 / n0) ** 2 / ((v1 / n1) ** 2 / (n1 - 1) + (v0 / n0) ** 2 / (n0 - 1))
            if se > 0
            else math.inf
        )
        estimator = "welch_t"
        baseline = m0
        n = int(frame["_u"].nunique()) if unit is not None else len(frame)
    if not se > 1e-12 * max(1.0, abs(estimate)):
        refuse("no_variation", "The difference is the same for every unit: no margin of error.")
    t = critical(spec.alpha, df)
    relative = relative_ci = None
    if baseline:
        relative = estimate / baseline
        bounds = sorted(((estimate - t * se) / baseline, (estimate + t * se) / baseline))
        relative_ci = (bounds[0], bounds[1])
    return Estimate(
        design=spec.design,
        estimator=estimator,
        estimate=estimate,
        se=se,
        ci_low=estimate - t * se,
        ci_high=estimate + t * se,
        p_value=p_two_sided(estimate / se, df),
        n=n,
        n_obs=len(frame),
        baseline=baseline,
        relative=relative,
        relative_ci=relative_ci,
        warnings=[NOT_CAUSAL],
        chart={
            "kind": "pre_post",
            "points": [
                {"period": "before", "mean": float(before["_y"].mean())},
                {"period": "after", "mean": float(after["_y"].mean())},
            ],
        },
        details={"paired": paired, "df": df, "rows_before": len(before), "rows_after": len(after)},
    )
