"""PURE (no Django): a case's frozen run chart as a small inline SVG.

A case freezes each indicator's series when it is published (``services.cases``); the page
draws it from those frozen points, server-side, so it never changes with the data and needs
no script (the Content-Security-Policy forbids inline script; SVG markup is not script). The
median and the target are drawn as the indicator's run chart draws them (``indicators``'
``static/indicators/charts.js``): a dashed median, a dotted target; the signal points as
larger dots. Every text placed in the SVG is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

WIDTH = 320
HEIGHT = 120
PAD_X = 8
PAD_Y = 12


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _number(value: float) -> str:
    return f"{value:.1f}"


def run_chart_svg(
    values: Sequence[Any],
    *,
    labels: Sequence[str] = (),
    median: Any = None,
    target: Any = None,
    signals: Sequence[int] = (),
    title: str = "",
) -> str:
    """The SVG of a run chart over ``values`` (None: a gap), or "" when there is no value."""
    points = [_finite(v) for v in values]
    present = [v for v in points if v is not None]
    if not present:
        return ""
    median_value, target_value = _finite(median), _finite(target)
    scale = present + [v for v in (median_value, target_value) if v is not None]
    low, high = min(scale), max(scale)
    if high == low:
        low, high = low - 1, high + 1
    count = len(points)
    step = (WIDTH - 2 * PAD_X) / max(count - 1, 1)

    def x(i: int) -> float:
        return PAD_X + i * step if count > 1 else WIDTH / 2

    def y(v: float) -> float:
        return PAD_Y + (high - v) / (high - low) * (HEIGHT - 2 * PAD_Y)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="case-chart" viewBox="0 0 {WIDTH} '
        f'{HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for name, value, colour, dashes in (
        ("median", median_value, "#888", "4 3"),
        ("target", target_value, "#1a7f37", "1 3"),
    ):
        if value is not None:
            at = _number(y(value))
            parts.append(
                f'<line class="{name}" x1="{PAD_X}" x2="{WIDTH - PAD_X}" y1="{at}" y2="{at}" '
                f'stroke="{colour}" stroke-dasharray="{dashes}"/>'
            )
    runs: list[list[str]] = [[]]
    for i, value in enumerate(points):
        if value is None:
            runs.append([])
        else:
            runs[-1].append(f"{_number(x(i))},{_number(y(value))}")
    for run in runs:
        if len(run) > 1:
            parts.append(
                f'<polyline class="series" fill="none" stroke="#0b5cad" stroke-width="2" '
                f'points="{" ".join(run)}"/>'
            )
    marked = set(signals)
    for i, value in enumerate(points):
        if value is None:
            continue
        label = labels[i] if i < len(labels) and labels[i] else str(i + 1)
        radius = 4 if i in marked else 2.5
        colour = "#d1242f" if i in marked else "#0b5cad"
        parts.append(
            f'<circle cx="{_number(x(i))}" cy="{_number(y(value))}" r="{radius}" fill="{colour}">'
            f"<title>{escape(label)}: {escape(_number(value))}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)
