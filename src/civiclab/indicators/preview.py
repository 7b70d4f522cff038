"""The builder's preview of a breakdown and of its equity gap, computed without saving.

The equity lens is the indicator page's (``equity.equity_view``), over the same groups: the
equity column's when the spec has one, else the breakdown's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from civiclab.datasets.models import Dataset
from civiclab.indicators import services
from civiclab.indicators.engine.breakdown_chart import latest_period
from civiclab.indicators.engine.equity import equity_view
from civiclab.indicators.engine.evaluate import Point
from civiclab.indicators.engine.spec import IndicatorSpec
from civiclab.indicators.labels import y_label
from civiclab.indicators.pictures import breakdown_pictures

GROUPS = 12  # the groups with the most rows; the others are counted, not listed


def latest_by_group(
    points: Sequence[Point], lower_is_better: bool, limit: int = GROUPS
) -> dict[str, Any] | None:
    """The latest period with two groups to compare (else with rows): each group's value and n,
    best value first (no value last).

    Only the ``limit`` groups with the most rows that period are listed; ``more`` counts the
    others.
    """
    if not any(p.n for p in points):
        return None
    # The period the ranked bars draw (breakdown_chart.latest_period): this table is their data.
    period = latest_period(points)
    latest = [p for p in points if p.period == period]
    listed = sorted(latest, key=lambda p: -p.n)[:limit]
    sign = 1 if lower_is_better else -1
    listed.sort(
        key=lambda p: (p.value is None, sign * p.value if p.value is not None else 0, p.group or "")
    )
    return {
        "period": period,
        "rows": [{"group": p.group, "other": p.other, "value": p.value, "n": p.n} for p in listed],
        "more": len(latest) - len(listed),
    }


def breakdown_preview(
    dataset: Dataset,
    spec: IndicatorSpec,
    overall: list[float | None],
    overall_points: Sequence[Point] = (),
) -> dict[str, Any]:
    """The preview's breakdown (ranked bars, small multiples and table) and equity summary
    (empty without either)."""
    if not spec.breakdown and not spec.equity:
        return {}
    lower_is_better = spec.polarity == "lower_is_better"
    by_group = services.compute(dataset, spec) if spec.breakdown else []
    by_equity = (
        services.compute(dataset, spec.model_copy(update={"breakdown": spec.equity}))
        if spec.equity
        else by_group
    )
    columns = [spec.breakdown] if isinstance(spec.breakdown, str) else spec.breakdown or []
    pictures = (
        breakdown_pictures(
            by_group,
            overall_points,
            lower_is_better=lower_is_better,
            column=" / ".join(columns),
            unit=y_label(spec),
            measure=spec.measure.type,
        )
        if by_group
        else {}
    )
    return {
        "pictures": pictures,
        "breakdown_columns": " / ".join(columns),
        "breakdown_latest": latest_by_group(by_group, lower_is_better),
        "equity": equity_view(overall, by_equity, lower_is_better) if by_equity else None,
        "equity_column": spec.equity or " / ".join(columns),
    }
