"""One door to every estimator: the checks every design shares, then the design's module.

Shared pre-flight, before anything is computed:

- the columns the design needs are named in ``spec.columns`` and present in the table;
- no row lacks its outcome (refused, saying how many rows: an analysis that silently drops
  rows answers a different question);
- the outcome varies;
- at most ``MAX_ROWS`` rows (2,000,000: a 100,000-unit panel of 20 periods; the TWFE
  benchmark, benchmarks/evaluation_twfe.py, fits 400,000 rows in seconds, and the limit keeps
  one request's memory well under a worker's).

Each estimator then adds its own checks (clusters, pre-periods, donors…). Modules are imported
when their design is asked for (``rct`` by name, so this works before it exists).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from civiclab.evaluation.stats._common import refuse
from civiclab.evaluation.stats.types import AnalysisSpec, Design, Estimate

if TYPE_CHECKING:
    import pandas as pd

MAX_ROWS = 2_000_000

MODULES = {
    Design.RCT: "rct",
    Design.CLUSTER_RCT: "rct",
    Design.DID: "did",
    Design.STEPPED_WEDGE: "did",
    Design.STAGGERED_DID: "staggered",
    Design.ITS: "its",
    Design.SYNTHETIC_CONTROL: "synth",
    Design.PRE_POST: "prepost",
}

# Which parts each design needs: a field of ``Columns``, or "a|b" for either of two.
REQUIRED: dict[Design, tuple[str, ...]] = {
    Design.RCT: ("outcome", "unit", "treated|arm"),
    Design.CLUSTER_RCT: ("outcome", "unit", "treated|arm", "cluster"),
    Design.DID: ("outcome", "unit", "time", "treated"),
    Design.STEPPED_WEDGE: ("outcome", "unit", "time", "treated"),
    Design.STAGGERED_DID: ("outcome", "unit", "time", "cohort|treated"),
    Design.ITS: ("outcome", "time"),
    Design.SYNTHETIC_CONTROL: ("outcome", "unit", "time"),
    Design.PRE_POST: ("outcome", "time"),
}

ROLES = {
    "outcome": "outcome",
    "unit": "unit",
    "time": "period",
    "treated": "treatment",
    "arm": "arm",
    "cohort": "first treated period",
    "cluster": "cluster",
}


def analyse(data: pd.DataFrame, spec: AnalysisSpec) -> Estimate:
    preflight(data, spec)
    module = importlib.import_module(f"civiclab.evaluation.stats.{MODULES[spec.design]}")
    estimate: Estimate = module.analyse(data, spec)
    return estimate


def preflight(data: pd.DataFrame, spec: AnalysisSpec) -> None:
    if len(data) > MAX_ROWS:
        refuse(
            "too_many_rows",
            "The table has {rows} rows; at most {limit} can be analysed at once.",
            rows=len(data),
            limit=MAX_ROWS,
        )
    if len(data) == 0:
        refuse("no_rows", "The table has no rows.")
    for need in REQUIRED[spec.design]:
        options = need.split("|")
        names = [getattr(spec.columns, option) for option in options]
        if all(name is None for name in names):
            refuse(
                "column_not_chosen",
                "This design needs a {role} column; none was chosen.",
                role=" or ".join(ROLES[o] for o in options),
            )
        for name in names:
            if name is not None and name not in data.columns:
                refuse("missing_columns", "The table has no column {columns}.", columns=name)
    outcome = data[spec.columns.outcome]
    missing = int(outcome.isna().sum())
    # A randomised trial's plan may say that units without an outcome are dropped: rct.py then
    # drops them and records the loss as a failed check.
    dropped_by_plan = spec.drop_missing_outcomes and spec.design in (Design.RCT, Design.CLUSTER_RCT)
    if missing and not dropped_by_plan:
        refuse(
            "missing_outcomes",
            "{rows} of {total} rows have no outcome; complete or remove them first.",
            rows=missing,
            total=len(data),
        )
    if outcome.nunique() < 2:
        refuse("no_variation", "The outcome has the same value in every row.")
