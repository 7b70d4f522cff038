"""How fast and how big is a DiD (TWFE, CRV1, event study and pre-trend test) on a large panel?

Issue 12 asks for a TWFE DiD on a 400,000-row panel (20,000 units × 20 periods) in under 10 s
with under 2 GB peak memory. The script builds the panel (half the units treated from period
10, a true effect of 0.5), warms pyfixest up on a small panel (its first call compiles numba
kernels: timed separately), then times ``did.analyse`` (pre-flight, the TWFE fit and the event
study with 19 leads and lags, each with unit and period fixed effects and cluster-robust SEs)
and the TWFE fit alone. Memory: the process's peak resident size (``resource.getrusage``, the
data and the libraries included) and tracemalloc's peak of the analysis itself (a second run,
as tracing slows it down). Run on demand, not in the test suite:

    uv run python benchmarks/evaluation_twfe.py [--units 20000] [--periods 20]

Figures on the 2-core development machine (shared with other agents' runs), 6 December 2026:

    warm-up (imports + numba compilation, 4,000 rows)   5.36 s   (once per process)
    did.analyse, 400,000 rows (TWFE + event study)      2.07 s   estimate 0.4947 (true 0.5)
    TWFE fit alone                                       0.45 s
    peak resident size of the process                    0.67 GiB (libraries and data included)
    tracemalloc peak during did.analyse                  0.41 GiB

Both targets are met with room: ~5× under the time and ~3× under the memory.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np
import pandas as pd

from civiclab.evaluation.stats import did
from civiclab.evaluation.stats.types import AnalysisSpec, Columns, Design


def panel(units: int, periods: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(units, dtype=np.int64), periods)
    period = np.tile(np.arange(periods, dtype=np.int64), units)
    group = (unit < units // 2).astype(np.int8)
    y = (
        rng.normal(size=units)[unit]
        + 0.1 * period
        + 0.5 * group * (period >= periods // 2)
        + rng.normal(0, 1, units * periods)
    )
    return pd.DataFrame({"unit": unit, "period": period, "group": group, "y": y})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--periods", type=int, default=20)
    args = parser.parse_args()
    spec = AnalysisSpec(
        Design.DID,
        Columns(outcome="y", unit="unit", time="period", treated="group"),
        intervention_time=args.periods // 2,
    )
    started = time.perf_counter()
    did.analyse(panel(200, args.periods), spec)
    warm = time.perf_counter() - started
    print(f"warm-up (imports + numba compilation, 4,000 rows): {warm:.2f} s")

    data = panel(args.units, args.periods)
    print(f"panel: {len(data):,} rows, {data.memory_usage(deep=True).sum() / 2**20:.0f} MiB")
    started = time.perf_counter()
    estimate = did.analyse(data, spec)
    elapsed = time.perf_counter() - started
    print(
        f"did.analyse: {elapsed:.2f} s  estimate {estimate.estimate:.4f} "
        f"[{estimate.ci_low:.4f}, {estimate.ci_high:.4f}] (true 0.5), "
        f"{len(estimate.chart['points'])} event-study points"
    )
    frame = did._prepare(data, spec)
    started = time.perf_counter()
    did._twfe(frame, spec)
    print(f"TWFE fit alone: {time.perf_counter() - started:.2f} s")
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB → GiB
    print(f"peak resident size of the process: {peak_rss:.2f} GiB")

    tracemalloc.start()
    did.analyse(data, spec)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"tracemalloc peak during did.analyse: {peak / 2**30:.2f} GiB")


if __name__ == "__main__":
    main()
