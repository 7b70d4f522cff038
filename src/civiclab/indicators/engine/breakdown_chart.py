"""A breakdown as pictures (pure Python, no Django): the groups of the latest period ranked as
horizontal bars with the gap between the best and the worst group drawn, and one small run
chart per group over every period, all on the same scale.

Only geometry and numbers live here; the templates (``indicators/partials/breakdown_bars.html``
and ``small_multiples.html``) write the words and format the numbers in the reader's language.
Bars are placed as fractions of the plot's width (0 to 1) so that each row's SVG can stretch
with the page; the small multiples share one ``viewBox`` and one value range.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from civiclab.indicators.engine.evaluate import Point

GROUPS = 12  # the groups with the most rows in the latest period; the others are counted
MULTIPLE_WIDTH = 160  # a small multiple's viewBox
MULTIPLE_HEIGHT = 48
MULTIPLE_PAD = 4.0

GroupKey = tuple[str | None, bool]  # a group's label and whether it is Other (breakdown_top)


@dataclass(frozen=True)
class Bar:
    group: str | None
    other: bool
    value: float | None
    n: int
    rank: int | None  # 1 is the best; None without a value
    start: float  # where the bar starts, as a fraction of the plot's width
    width: float  # its length, as a fraction of the plot's width
    best: bool
    worst: bool


@dataclass(frozen=True)
class RankedBars:
    period: str | None
    bars: list[Bar]  # best first; groups without a value last
    more: int  # groups of that period left out (the smaller ones)
    overall: float | None  # the value over every group (city-wide), same period
    overall_at: float | None  # where it falls, as a fraction of the plot's width
    best: Bar | None  # best and worst of the named groups (not Other, not "no value")
    worst: Bar | None
    difference: float | None  # worst - best in the indicator's unit (≥ 0)
    ratio: float | None  # worst / best (None when best is 0)
    gap_start: float | None  # the gap drawn on the worst bar: from best's value to worst's
    gap_width: float | None


@dataclass(frozen=True)
class Multiple:
    group: str | None
    other: bool
    values: list[float | None]
    latest: float | None
    segments: list[list[tuple[float, float]]]  # polylines in the viewBox (a gap splits them)
    dots: list[tuple[float, float]]  # values with no neighbour, drawn as dots
    latest_at: tuple[float, float] | None


@dataclass(frozen=True)
class SmallMultiples:
    periods: list[str | None]
    low: float
    high: float
    multiples: list[Multiple]
    width: int
    height: int


def _finite(value: float | None) -> float | None:
    if value is None or isinstance(value, bool) or not math.isfinite(value):
        return None
    return float(value)


def latest_period(points: Sequence[Point]) -> str | None:
    """The last period in which at least two named groups have a value (a ranking of one
    group says nothing), else the last period with rows. Points come in period order."""
    named: dict[str | None, int] = {}
    for p in points:
        if _finite(p.value) is not None and p.group is not None and not p.other:
            named[p.period] = named.get(p.period, 0) + 1
    compared = [period for period, count in named.items() if count >= 2]
    if compared:
        return compared[-1]
    with_rows = [p for p in points if p.n]
    return with_rows[-1].period if with_rows else None


def _is_named(bar: Bar) -> bool:
    return bar.value is not None and bar.group is not None and not bar.other


def ranked_bars(
    points: Sequence[Point],
    overall: Sequence[Point],
    lower_is_better: bool,
    limit: int = GROUPS,
) -> RankedBars | None:
    """The latest period's groups, best first, as bars from zero (None without rows).

    ``overall`` is the series over every group: its value in the same period is the
    city-wide reference drawn across the bars. The scale runs from zero (or the lowest value,
    when negative) to the highest value, the city-wide one included.
    """
    if not any(p.n for p in points):
        return None
    period = latest_period(points)
    latest = [p for p in points if p.period == period]
    listed = sorted(latest, key=lambda p: -p.n)[:limit]
    sign = 1 if lower_is_better else -1
    listed.sort(
        key=lambda p: (_finite(p.value) is None, sign * (_finite(p.value) or 0.0), p.group or "")
    )
    city_wide = next((_finite(p.value) for p in overall if p.period == period), None)
    values = [v for v in (_finite(p.value) for p in listed) if v is not None]
    scale = values + ([city_wide] if city_wide is not None else [])
    low = min([0.0, *scale])
    high = max([0.0, *scale])
    span = (high - low) or 1.0

    def at(value: float) -> float:
        return (value - low) / span

    zero = at(0.0)
    bars: list[Bar] = []
    rank = 0
    for p in listed:
        value = _finite(p.value)
        if value is not None:
            rank += 1
        start, end = (zero, at(value)) if value is not None else (zero, zero)
        bars.append(
            Bar(
                group=p.group,
                other=p.other,
                value=value,
                n=p.n,
                rank=rank if value is not None else None,
                start=round(min(start, end), 4),
                width=round(abs(end - start), 4),
                best=False,
                worst=False,
            )
        )
    named = [b for b in bars if _is_named(b)]
    best = worst = None
    difference = ratio = gap_start = gap_width = None
    if len(named) >= 2:
        best, worst = named[0], named[-1]
        bars = [Bar(**{**b.__dict__, "best": b is best, "worst": b is worst}) for b in bars]
        best = next(b for b in bars if b.best)
        worst = next(b for b in bars if b.worst)
        assert best.value is not None and worst.value is not None
        difference = abs(worst.value - best.value)
        ratio = worst.value / best.value if best.value else None
        gap_start = round(min(at(best.value), at(worst.value)), 4)
        gap_width = round(abs(at(worst.value) - at(best.value)), 4)
    return RankedBars(
        period=period,
        bars=bars,
        more=len(latest) - len(listed),
        overall=city_wide,
        overall_at=round(at(city_wide), 4) if city_wide is not None else None,
        best=best,
        worst=worst,
        difference=difference,
        ratio=ratio,
        gap_start=gap_start,
        gap_width=gap_width,
    )


def _polylines(
    values: list[float | None], low: float, high: float
) -> tuple[list[list[tuple[float, float]]], list[tuple[float, float]]]:
    span = (high - low) or 1.0
    inner_w = MULTIPLE_WIDTH - 2 * MULTIPLE_PAD
    inner_h = MULTIPLE_HEIGHT - 2 * MULTIPLE_PAD
    step = inner_w / max(len(values) - 1, 1)
    runs: list[list[tuple[float, float]]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            runs.append([])
            continue
        x = MULTIPLE_PAD + i * step
        y = MULTIPLE_PAD + (high - value) / span * inner_h
        runs[-1].append((round(x, 1), round(y, 1)))
    return [r for r in runs if len(r) > 1], [r[0] for r in runs if len(r) == 1]


def small_multiples(points: Sequence[Point], groups: Sequence[GroupKey]) -> SmallMultiples | None:
    """One small run chart per group (in the order given), every one on the same scale.

    None when the breakdown has fewer than two periods (nothing to draw over time) or no value.
    """
    periods: list[str | None] = []
    for p in points:
        if p.period not in periods:
            periods.append(p.period)
    if len(periods) < 2:
        return None
    by_key: dict[GroupKey, dict[str | None, float | None]] = {}
    for p in points:
        by_key.setdefault((p.group, p.other), {})[p.period] = _finite(p.value)
    series = [(key, [by_key.get(key, {}).get(period) for period in periods]) for key in groups]
    present = [v for _, values in series for v in values if v is not None]
    if not present:
        return None
    low, high = min([0.0, *present]), max(present)
    if high == low:
        high = low + 1.0
    multiples = []
    for (group, other), values in series:
        segments, dots = _polylines(values, low, high)
        placed = [pt for run in segments for pt in run] + dots
        last = next((v for v in reversed(values) if v is not None), None)
        latest_at = max(placed, key=lambda pt: pt[0]) if placed else None
        multiples.append(Multiple(group, other, values, last, segments, dots, latest_at))
    return SmallMultiples(periods, low, high, multiples, MULTIPLE_WIDTH, MULTIPLE_HEIGHT)
