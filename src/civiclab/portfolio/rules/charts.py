"""PURE (no Django): the geometry of the portfolio's server-drawn SVG charts.

The templates draw the SVG (so every label is escaped, translated and formatted in the reader's
language); this module only places things. Coordinates come back as strings with a dot
decimal separator ("12.5"), because a template would write a French float as "12,5", which
SVG does not read. Two charts:

- the impact × feasibility matrix: each idea a point at its mean scores (1–5), quadrant lines at
  the split, ideas on the same spot fanned out so every point stays visible and clickable;
- the milestone timeline (Gantt-style): one row per solution, a bar from its start to its end
  when both are known, a diamond per milestone at its due date, month ticks and a today line.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

# -- the matrix ------------------------------------------------------------------------------
MATRIX_WIDTH, MATRIX_HEIGHT = 560, 440
MATRIX_LEFT, MATRIX_RIGHT, MATRIX_TOP, MATRIX_BOTTOM = 56, 16, 16, 48
SCORE_LOW, SCORE_HIGH = 1.0, 5.0
# A label longer than this is cut with "…" in the chart (the table beside it has it whole).
LABEL_CHARS = 28


def coord(value: float) -> str:
    """An SVG number: a dot decimal separator, at most one decimal."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def short_label(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class MatrixPoint(Generic[T]):
    item: T
    x: str
    y: str
    label: str
    label_x: str
    label_y: str
    anchor: str  # "start" or "end": labels on the right half go to the point's left


@dataclass(frozen=True)
class MatrixTick:
    value: int
    x: str  # on the feasibility axis
    y: str  # on the impact axis


@dataclass
class MatrixLayout(Generic[T]):
    width: int
    height: int
    plot_left: str
    plot_right: str
    plot_top: str
    plot_bottom: str
    split_x: str
    split_y: str
    ticks: list[MatrixTick]
    points: list[MatrixPoint[T]] = field(default_factory=list)


def matrix_layout(
    placed: Sequence[tuple[T, float, float, str]], middle: float = 3.0
) -> MatrixLayout[T]:
    """Place ``(item, impact, feasibility, label)`` on the 2×2: feasibility rises to the right,
    impact upwards; scores outside 1–5 are drawn at the edge."""
    inner_w = MATRIX_WIDTH - MATRIX_LEFT - MATRIX_RIGHT
    inner_h = MATRIX_HEIGHT - MATRIX_TOP - MATRIX_BOTTOM

    def x_of(score: float) -> float:
        score = min(max(score, SCORE_LOW), SCORE_HIGH)
        return MATRIX_LEFT + (score - SCORE_LOW) / (SCORE_HIGH - SCORE_LOW) * inner_w

    def y_of(score: float) -> float:
        score = min(max(score, SCORE_LOW), SCORE_HIGH)
        return MATRIX_TOP + (SCORE_HIGH - score) / (SCORE_HIGH - SCORE_LOW) * inner_h

    layout: MatrixLayout[T] = MatrixLayout(
        MATRIX_WIDTH,
        MATRIX_HEIGHT,
        coord(MATRIX_LEFT),
        coord(MATRIX_LEFT + inner_w),
        coord(MATRIX_TOP),
        coord(MATRIX_TOP + inner_h),
        coord(x_of(middle)),
        coord(y_of(middle)),
        [MatrixTick(v, coord(x_of(v)), coord(y_of(v))) for v in range(1, 6)],
    )
    # Ideas with the same means would hide each other: fan them out on a small circle.
    seen: dict[tuple[float, float], int] = {}
    same: dict[tuple[float, float], int] = {}
    for _item, impact, feasibility, _label in placed:
        key = (round(impact, 2), round(feasibility, 2))
        same[key] = same.get(key, 0) + 1
    for item, impact, feasibility, label in placed:
        key = (round(impact, 2), round(feasibility, 2))
        index = seen.get(key, 0)
        seen[key] = index + 1
        x, y = x_of(feasibility), y_of(impact)
        if same[key] > 1:
            angle = 2 * math.pi * index / same[key]
            x, y = x + 9 * math.cos(angle), y + 9 * math.sin(angle)
        right_half = x > MATRIX_LEFT + inner_w * 0.6
        layout.points.append(
            MatrixPoint(
                item,
                coord(x),
                coord(y),
                short_label(label),
                coord(x - 9 if right_half else x + 9),
                coord(y + 4),
                "end" if right_half else "start",
            )
        )
    return layout


# -- the timeline ----------------------------------------------------------------------------
GANTT_WIDTH = 720
GANTT_LEFT, GANTT_RIGHT, GANTT_TOP = 8, 16, 28
ROW_HEIGHT = 44  # a label line above the bar
BAR_HEIGHT = 12
# The chart draws at most this many solutions (the table under it lists every milestone).
GANTT_MAX_ROWS = 40


@dataclass(frozen=True)
class GanttMark(Generic[T]):
    item: T
    state: str
    x: str
    y: str
    points: str  # the diamond's polygon


@dataclass(frozen=True)
class GanttRow(Generic[T]):
    item: T
    label: str
    label_y: str
    bar_x: str | None
    bar_y: str
    bar_width: str | None
    marks: list[GanttMark[T]]


@dataclass(frozen=True)
class GanttTick:
    day: dt.date
    x: str


@dataclass
class GanttLayout(Generic[T]):
    width: int
    height: int
    start: dt.date
    end: dt.date
    today: dt.date
    today_x: str | None
    plot_top: str
    plot_bottom: str
    ticks: list[GanttTick]
    rows: list[GanttRow[T]]
    left_out: int  # rows beyond GANTT_MAX_ROWS, not drawn


@dataclass(frozen=True)
class GanttInput(Generic[T]):
    """One solution's row: its dates and its milestones as ``(milestone, due date, state)``."""

    item: T
    label: str
    start: dt.date | None
    end: dt.date | None
    milestones: Sequence[tuple[T, dt.date, str]]


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_ticks(start: dt.date, end: dt.date) -> list[dt.date]:
    """First days of months from ``start``'s month to past ``end``: every month for a year,
    then every quarter, then every year, so the labels never crowd."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    step = 1 if months <= 12 else 3 if months <= 36 else 12
    first = _month_start(start)
    if step > 1:
        first = dt.date(first.year, 1 if step == 12 else (first.month - 1) // 3 * 3 + 1, 1)
    ticks, day = [], first
    while day <= end:
        if day >= _month_start(start):
            ticks.append(day)
        day = _add_months(day, step)
    return ticks


def diamond(x: float, y: float, size: float = 7) -> str:
    return " ".join(
        f"{coord(px)},{coord(py)}"
        for px, py in ((x, y - size), (x + size, y), (x, y + size), (x - size, y))
    )


def gantt_layout(rows: Sequence[GanttInput[T]], today: dt.date) -> GanttLayout[T] | None:
    """The timeline of ``rows`` (None when there is no date to draw)."""
    drawn = list(rows[:GANTT_MAX_ROWS])
    dates = [today]
    for row in drawn:
        dates += [d for d in (row.start, row.end) if d is not None]
        dates += [due for _m, due, _s in row.milestones]
    if len(dates) == 1 and not any(row.milestones for row in drawn):
        return None
    start = _month_start(min(dates))
    end = _add_months(max(dates), 1)  # the first of the month after the last date
    span = max((end - start).days, 1)
    inner_w = GANTT_WIDTH - GANTT_LEFT - GANTT_RIGHT

    def x_of(day: dt.date) -> float:
        return GANTT_LEFT + (day - start).days / span * inner_w

    laid: list[GanttRow[T]] = []
    for index, row in enumerate(drawn):
        top = GANTT_TOP + index * ROW_HEIGHT
        bar_y = top + 18
        middle = bar_y + BAR_HEIGHT / 2
        bar_x = bar_width = None
        if row.start is not None and row.end is not None and row.end >= row.start:
            bar_x = coord(x_of(row.start))
            bar_width = coord(max(x_of(row.end) - x_of(row.start), 2))
        marks = [
            GanttMark(m, state, coord(x_of(due)), coord(middle), diamond(x_of(due), middle))
            for m, due, state in row.milestones
        ]
        laid.append(
            GanttRow(
                row.item, short_label(row.label, 60), coord(top + 12), bar_x, coord(bar_y),
                bar_width, marks,
            )
        )  # fmt: skip
    bottom = GANTT_TOP + len(drawn) * ROW_HEIGHT
    return GanttLayout(
        GANTT_WIDTH,
        bottom + 8,
        start,
        end,
        today,
        coord(x_of(today)),
        coord(GANTT_TOP - 4),
        coord(bottom),
        [GanttTick(day, coord(x_of(day))) for day in month_ticks(start, end) if day < end],
        laid,
        max(len(rows) - GANTT_MAX_ROWS, 0),
    )


# -- progress --------------------------------------------------------------------------------
def share(part: float | None, whole: float | None) -> float | None:
    """``part`` as a percentage of ``whole`` (None when either is missing or whole is 0)."""
    if part is None or whole is None or whole <= 0:
        return None
    return part / whole * 100
