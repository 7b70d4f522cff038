"""The equity lens: who is being left behind, and is the gap closing? (pure Python)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from civiclab.indicators.engine.evaluate import Point
from civiclab.indicators.engine.goals import slope


@dataclass(frozen=True)
class Gap:
    period: str | None
    best_group: str | None
    best: float | None
    worst_group: str | None
    worst: float | None
    difference: float | None  # worst - best, in the indicator's unit (always ≥ 0)
    ratio: float | None  # worst / best (None when best is 0)


@dataclass
class EquityView:
    gaps: list[Gap]
    widening_while_improving: bool
    explanation: str


def gaps(points: Sequence[Point], lower_is_better: bool) -> list[Gap]:
    """Per period, the best and worst group and the distance between them."""
    by_period: dict[str | None, list[Point]] = {}
    for point in points:
        by_period.setdefault(point.period, []).append(point)
    result = []
    for period, group_points in by_period.items():
        valued = [p for p in group_points if p.value is not None and p.group is not None]
        if len(valued) < 2:
            result.append(Gap(period, None, None, None, None, None, None))
            continue
        ordered = sorted(valued, key=lambda p: p.value if lower_is_better else -p.value)  # type: ignore[operator,return-value,arg-type]
        best, worst = ordered[0], ordered[-1]
        assert best.value is not None and worst.value is not None
        difference = abs(worst.value - best.value)
        ratio = worst.value / best.value if best.value else None
        result.append(
            Gap(period, best.group, best.value, worst.group, worst.value, difference, ratio)
        )
    return result


def equity_view(
    overall: list[float | None], points: Sequence[Point], lower_is_better: bool
) -> EquityView:
    """Gaps over time, and a flag when the overall indicator improves while the gap widens
    (both judged by the slope of a least-squares line through the periods)."""
    found = gaps(points, lower_is_better)
    differences = [g.difference for g in found]
    gap_slope = slope(differences)
    overall_slope = slope(overall)
    improving = overall_slope is not None and (
        overall_slope < 0 if lower_is_better else overall_slope > 0
    )
    widening = gap_slope is not None and gap_slope > 0
    flag = improving and widening
    explanation = (
        "The indicator is improving overall while the gap between the best and worst group "
        "is widening."
        if flag
        else "The gap is the difference between the best and worst group "
        "in each period; its trend is a least-squares line through the periods."
    )
    return EquityView(found, flag, explanation)
