"""Run-chart rules and XmR control limits: telling real change from noise (pure Python).

Run chart (Perla, Provost & Murray 2011; the IHI's rules):

* **shift** — six or more consecutive points on the same side of the median (points on the
  median neither add to nor break a shift);
* **trend** — five or more consecutive points all going up or all going down (a point equal
  to the one before is not counted and does not break it);
* **runs** — too few or too many runs for chance: for 10 to 60 useful points (not on the
  median), the limits of Perla, Provost & Murray's Table 1; beyond 60, the exact
  Swed–Eisenhart distribution of runs at 5 % (two-sided) for the points above and below the
  median; under 10, no runs rule;
* **astronomical point** — a point beyond the XmR natural process limits.

XmR chart (Wheeler): centre = mean; limits = mean ± 2.66 × the mean moving range.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from math import comb

XMR_FACTOR = 2.66  # 3 / d2, with d2 = 1.128 for moving ranges of two points
SHIFT_LENGTH = 6
TREND_LENGTH = 5
RUNS_ALPHA = 0.05
# Perla, Provost & Murray (2011), "The run chart: a simple analytical tool for learning from
# variation in healthcare processes", BMJ Qual Saf 20:46–51, Table 1: for N useful points
# (not on the median), too few runs below the first number, too many above the second. The
# table practitioners check a run chart against; it rounds the Swed–Eisenhart distribution
# differently from the exact two-sided 5 % limits in 18 of its 51 rows, so it is used as
# published. Fewer than 10 useful points: no runs rule (the table starts there); more than 60:
# the exact limits, which differ from the table's last rows by at most one run.
PERLA_2011_RUNS: dict[int, tuple[int, int]] = {
    10: (3, 9), 11: (3, 10), 12: (3, 11), 13: (4, 11), 14: (4, 12), 15: (5, 12), 16: (5, 13),
    17: (5, 13), 18: (6, 14), 19: (6, 15), 20: (6, 16), 21: (7, 16), 22: (7, 17), 23: (7, 17),
    24: (8, 18), 25: (8, 18), 26: (9, 19), 27: (10, 19), 28: (10, 20), 29: (10, 20),
    30: (11, 21), 31: (11, 22), 32: (11, 23), 33: (12, 23), 34: (12, 24), 35: (12, 24),
    36: (13, 25), 37: (13, 25), 38: (14, 26), 39: (14, 26), 40: (15, 27), 41: (15, 27),
    42: (16, 28), 43: (16, 28), 44: (17, 29), 45: (17, 30), 46: (17, 31), 47: (18, 31),
    48: (18, 32), 49: (19, 32), 50: (19, 33), 51: (20, 33), 52: (20, 34), 53: (21, 34),
    54: (21, 35), 55: (22, 35), 56: (22, 35), 57: (23, 36), 58: (23, 37), 59: (24, 38),
    60: (24, 38),
}  # fmt: skip
RUNS_TABLE_MIN, RUNS_TABLE_MAX = min(PERLA_2011_RUNS), max(PERLA_2011_RUNS)


@dataclass(frozen=True)
class Signal:
    rule: str  # shift, trend, too_few_runs, too_many_runs, astronomical
    points: tuple[int, ...]  # indices into the values given
    description: str


# Too few or too many runs describe the whole series, not particular points.
SERIES_RULES = frozenset({"too_few_runs", "too_many_runs"})


def point_signals(signals: list[Signal]) -> list[Signal]:
    """The signals that single out points (shift, trend, astronomical), for marking on a
    chart; the runs rules are told in words."""
    return [s for s in signals if s.rule not in SERIES_RULES]


@dataclass(frozen=True)
class XmR:
    centre: float
    upper: float
    lower: float
    mean_moving_range: float


@dataclass
class RunChart:
    median: float | None
    runs: int = 0
    useful: int = 0
    runs_range: tuple[int, int] | None = None
    xmr: XmR | None = None
    signals: list[Signal] = field(default_factory=list)


def analyse(values: list[float | None]) -> RunChart:
    """Apply every rule to a series (None for a period without a value, which is skipped)."""
    present = [(i, v) for i, v in enumerate(values) if v is not None]
    if not present:
        return RunChart(median=None)
    numbers = [v for _i, v in present]
    median = statistics.median(numbers)
    chart = RunChart(median=median)
    chart.signals += _shifts(present, median)
    chart.signals += _trends(present)
    sides = [(i, 1 if v > median else -1) for i, v in present if v != median]
    chart.useful = len(sides)
    chart.runs = 1 + sum(1 for a, b in pairwise(sides) if a[1] != b[1]) if sides else 0
    above = sum(1 for _i, s in sides if s > 0)
    below = len(sides) - above
    if above and below and chart.useful >= RUNS_TABLE_MIN:
        low, high = runs_limits(above, below)
        chart.runs_range = (low, high)
        indices = tuple(i for i, _s in sides)
        if chart.runs < low:
            chart.signals.append(
                Signal(
                    "too_few_runs",
                    indices,
                    f"{chart.runs} runs; fewer than {low} is unlikely by chance",
                )
            )
        elif chart.runs > high:
            chart.signals.append(
                Signal(
                    "too_many_runs",
                    indices,
                    f"{chart.runs} runs; more than {high} is unlikely by chance",
                )
            )
    if len(numbers) >= 2:
        chart.xmr = xmr(numbers)
        outside = tuple(i for i, v in present if v > chart.xmr.upper or v < chart.xmr.lower)
        if outside:
            chart.signals.append(
                Signal("astronomical", outside, "beyond the natural process limits (XmR)")
            )
    return chart


def xmr(values: list[float]) -> XmR:
    centre = statistics.fmean(values)
    moving = [abs(b - a) for a, b in pairwise(values)]
    mean_range = statistics.fmean(moving) if moving else 0.0
    return XmR(
        centre=centre,
        upper=centre + XMR_FACTOR * mean_range,
        lower=centre - XMR_FACTOR * mean_range,
        mean_moving_range=mean_range,
    )


def _shifts(present: list[tuple[int, float]], median: float) -> list[Signal]:
    signals: list[Signal] = []
    current: list[int] = []
    side = 0
    for index, value in present:
        if value == median:
            continue
        here = 1 if value > median else -1
        if here != side:
            if len(current) >= SHIFT_LENGTH:
                signals.append(_shift(current, side))
            current, side = [], here
        current.append(index)
    if len(current) >= SHIFT_LENGTH:
        signals.append(_shift(current, side))
    return signals


def _shift(points: list[int], side: int) -> Signal:
    where = "above" if side > 0 else "below"
    return Signal("shift", tuple(points), f"{len(points)} points in a row {where} the median")


def _trends(present: list[tuple[int, float]]) -> list[Signal]:
    # Repeated values count once: keep the first of each run of equal values.
    distinct = [p for k, p in enumerate(present) if k == 0 or p[1] != present[k - 1][1]]
    signals, current, direction = [], distinct[:1], 0
    for previous, point in pairwise(distinct):
        here = 1 if point[1] > previous[1] else -1
        if here != direction:
            if len(current) >= TREND_LENGTH:
                signals.append(_trend(current, direction))
            current, direction = [previous], here
        current.append(point)
    if len(current) >= TREND_LENGTH:
        signals.append(_trend(current, direction))
    return signals


def _trend(points: list[tuple[int, float]], direction: int) -> Signal:
    way = "up" if direction > 0 else "down"
    return Signal(
        "trend", tuple(i for i, _v in points), f"{len(points)} points in a row going {way}"
    )


def _runs_probability(r: int, n1: int, n2: int) -> float:
    """P(R = r) for the number of runs of n1 and n2 points in random order (Swed–Eisenhart)."""
    total = comb(n1 + n2, n1)
    if r < 2:
        return 0.0
    if r % 2 == 0:
        k = r // 2
        return 2 * comb(n1 - 1, k - 1) * comb(n2 - 1, k - 1) / total
    k = (r - 1) // 2
    return (comb(n1 - 1, k) * comb(n2 - 1, k - 1) + comb(n1 - 1, k - 1) * comb(n2 - 1, k)) / total


def runs_limits(n1: int, n2: int) -> tuple[int, int]:
    """The fewest and most runs not unusual, for n1 points above and n2 below the median:
    Perla et al.'s table for 10 to 60 points in all, the exact limits otherwise."""
    published = PERLA_2011_RUNS.get(n1 + n2)
    return published if published is not None else exact_runs_limits(n1, n2)


@cache
def exact_runs_limits(n1: int, n2: int) -> tuple[int, int]:
    """The fewest and most runs not unusual at 5 % two-sided, for n1 and n2 useful points,
    from the exact Swed–Eisenhart distribution."""
    most = 2 * min(n1, n2) + (1 if n1 != n2 else 0)
    cumulative, low = 0.0, 2
    for r in range(2, most + 1):
        cumulative += _runs_probability(r, n1, n2)
        if cumulative > RUNS_ALPHA / 2:
            low = r
            break
    cumulative, high = 0.0, most
    for r in range(most, 1, -1):
        cumulative += _runs_probability(r, n1, n2)
        if cumulative > RUNS_ALPHA / 2:
            high = r
            break
    return low, high
