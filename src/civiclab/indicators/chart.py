"""A run chart drawn as inline SVG on the server: the series, its median, the target and the
points that signal a change. No JavaScript, readable without it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 48


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    lines: list[str] = field(default_factory=list)  # polyline "x,y x,y" segments
    points: list[dict[str, Any]] = field(default_factory=list)
    median_y: float | None = None
    target_y: float | None = None
    y_ticks: list[dict[str, Any]] = field(default_factory=list)
    x_ticks: list[dict[str, Any]] = field(default_factory=list)
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    empty: bool = True


def _nice(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")


def build_chart(
    periods: list[str | None],
    values: list[float | None],
    median: float | None,
    target: float | None,
    signal_points: set[int],
) -> Chart:
    chart = Chart()
    present = [v for v in values if v is not None]
    if not present:
        return chart
    chart.empty = False
    extra = [x for x in (median, target) if x is not None]
    low, high = min(present + extra + [0.0]), max(present + extra)
    if high == low:
        high = low + 1
    span_x = chart.right - chart.left
    span_y = chart.bottom - chart.top
    count = len(values)

    def x_of(i: int) -> float:
        return round(chart.left + (span_x * i / (count - 1) if count > 1 else span_x / 2), 1)

    def y_of(v: float) -> float:
        return round(chart.bottom - span_y * (v - low) / (high - low), 1)

    segment: list[str] = []
    for i, (period, value) in enumerate(zip(periods, values, strict=True)):
        if value is None:
            if segment:
                chart.lines.append(" ".join(segment))
            segment = []
            continue
        segment.append(f"{x_of(i)},{y_of(value)}")
        chart.points.append(
            {
                "x": x_of(i),
                "y": y_of(value),
                "period": period,
                "value": _nice(value),
                "signal": i in signal_points,
            }
        )
    if segment:
        chart.lines.append(" ".join(segment))
    chart.median_y = y_of(median) if median is not None else None
    chart.target_y = y_of(target) if target is not None else None
    chart.y_ticks = [
        {"y": y_of(low + (high - low) * k / 4), "label": _nice(low + (high - low) * k / 4)}
        for k in range(5)
    ]
    step = max(1, count // 6)
    chart.x_ticks = [{"x": x_of(i), "label": periods[i] or ""} for i in range(0, count, step)]
    return chart
