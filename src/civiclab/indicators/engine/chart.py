"""What a run chart shows, as plain data for the browser to draw (pure Python, no Django).

The page writes the payload with ``json_script`` and ``static/indicators/charts.js`` draws
it with the vendored Chart.js: the series, its median, the target and the points that signal a
change. The table beside every chart holds the same values for readers without the chart.
"""

from __future__ import annotations

import math
from typing import TypedDict


class ChartData(TypedDict):
    """The chart payload; every value is JSON-safe (no NaN or infinity)."""

    title: str
    labels: list[str]  # one per period, "" for a period without a label
    values: list[float | None]  # None leaves a gap in the line
    median: float | None
    target: float | None
    signals: list[int]  # indices into ``values`` of the points in a signal of change
    y_label: str  # the value axis: the unit, or "" when the spec gives none
    count: int  # periods
    first_period: str
    last_period: str
    latest: float | None  # the last value present
    empty: bool  # no value to draw


def _finite(value: float | None) -> float | None:
    """A number JSON can carry, or None."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def chart_data(
    periods: list[str | None],
    values: list[float | None],
    *,
    median: float | None,
    target: float | None,
    signal_points: set[int] | list[int],
    title: str,
    y_label: str = "",
) -> ChartData:
    """The payload for one run chart.

    ``periods`` and ``values`` are parallel lists; ``signal_points`` are indices into them
    (indices outside the series, or on a missing value, are dropped).
    """
    if len(periods) != len(values):
        raise ValueError("periods and values must have the same length")
    clean = [_finite(v) for v in values]
    present = [v for v in clean if v is not None]
    labels = [p or "" for p in periods]
    return {
        "title": title,
        "labels": labels,
        "values": clean,
        "median": _finite(median),
        "target": _finite(target),
        "signals": sorted(
            i for i in set(signal_points) if 0 <= i < len(clean) and clean[i] is not None
        ),
        "y_label": y_label,
        "count": len(clean),
        "first_period": labels[0] if labels else "",
        "last_period": labels[-1] if labels else "",
        "latest": present[-1] if present else None,
        "empty": not present,
    }
