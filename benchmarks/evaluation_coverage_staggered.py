"""Do the 95 % intervals of staggered adoption (Callaway–Sant'Anna) and the stepped wedge
cover the true effect 95 % of the time?

The companion of ``evaluation_coverage_panel.py`` (DiD, ITS) and ``evaluation_coverage_rct.py``
for the two remaining designs with an interval (a synthetic control's inference is its placebo
p-value; a before/after comparison is not an effect estimate):

- Staggered adoption (``staggered.analyse``, csdid, never-treated controls, the simple ATT):
  120 units, 8 periods, cohorts first treated in periods 3, 5 and 6 (30 units each) and 30
  never treated; unit effects, a common trend, AR(1) errors within units (ρ = 0.3); a constant
  effect of 0.5 from adoption on, so every ATT(g,t) and the simple ATT are 0.5.
- Stepped wedge (``did.analyse``, two-way fixed effects, errors clustered by site): 24 sites
  crossing over in 6 steps (4 per step, periods 1–6 of 7), 5 people per site and period,
  site effects and a common trend; effect 1.0.

Run on demand, not in the test suite:

    uv run python benchmarks/evaluation_coverage_staggered.py [--reps 1000] [--design …]

Figures, 6 December 2026 (2-core machine, shared with a CI run):

    Stepped wedge (TWFE, CRV1 by site): coverage 94.7 % (MC SE 0.7), bias +0.0065, mean CI
        width 0.495, 1000 datasets in 54 s — within the 94–96 % target.
    Staggered adoption (Callaway–Sant'Anna, simple ATT): coverage 94.3 % (MC SE 0.7), bias
        +0.0007, mean CI width 0.701, 1000 datasets in 80 s — within the target.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from evaluation_coverage_panel import ar1, coverage

from civiclab.evaluation.stats import did, staggered
from civiclab.evaluation.stats.types import AnalysisSpec, Columns, Design

STAGGERED_SPEC = AnalysisSpec(
    Design.STAGGERED_DID, Columns(outcome="y", unit="unit", time="t", cohort="first")
)
WEDGE_SPEC = AnalysisSpec(
    Design.STEPPED_WEDGE,
    Columns(outcome="y", unit="person", time="t", treated="on", cluster="site"),
)


def staggered_dataset(rng: np.random.Generator) -> tuple[pd.DataFrame, float]:
    units, periods, effect = 120, 8, 0.5
    first = np.repeat([3, 5, 6, 0], units // 4)  # 0: never treated (csdid's convention)
    errors = ar1(rng, (units, periods), 0.3)
    unit = np.repeat(np.arange(units), periods)
    t = np.tile(np.arange(1, periods + 1), units)
    cohort = first[unit]
    on = (cohort > 0) & (t >= cohort)
    y = rng.normal(size=units)[unit] + 0.1 * t + effect * on + errors.ravel()
    return pd.DataFrame({"unit": unit, "t": t, "first": cohort, "y": y}), effect


def wedge_dataset(rng: np.random.Generator) -> tuple[pd.DataFrame, float]:
    sites, periods, people, effect = 24, 7, 5, 1.0
    start = 1 + np.arange(sites) // 4  # 4 sites cross over at each of periods 1..6
    site = np.repeat(np.arange(sites), periods * people)
    t = np.tile(np.repeat(np.arange(periods), people), sites)
    on = (t >= start[site]).astype(int)
    y = rng.normal(size=sites)[site] + 0.1 * t + effect * on + rng.normal(0, 1, site.size)
    frame = pd.DataFrame({"site": site, "t": t, "on": on, "y": y})
    frame["person"] = np.arange(len(frame))
    return frame, effect


DESIGNS: dict[
    str, tuple[str, Callable[..., tuple[pd.DataFrame, float]], Callable, AnalysisSpec]
] = {
    "staggered": (
        "Staggered adoption (Callaway–Sant'Anna, simple ATT)",
        staggered_dataset,
        staggered.analyse,
        STAGGERED_SPEC,
    ),
    "wedge": ("Stepped wedge (TWFE, CRV1 by site)", wedge_dataset, did.analyse, WEDGE_SPEC),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--design", choices=[*DESIGNS, "both"], default="both")
    args = parser.parse_args()
    started = time.perf_counter()
    for key, (name, make, analyse, spec) in DESIGNS.items():
        if args.design in (key, "both"):
            coverage(name, make, analyse, spec, args.reps)
    print(f"total {math.ceil(time.perf_counter() - started)} s")


if __name__ == "__main__":
    main()
