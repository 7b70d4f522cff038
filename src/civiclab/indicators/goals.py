"""Baselines, targets, progress and an honest on-track status (pure Python).

Status method, in one sentence (shown on the indicator page): a straight line is fitted by
least squares through the most recent periods and extended to the target date; the indicator
is on track if that projection reaches the target, at risk if it gets at least half of the
remaining way there, and off track otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

RECENT_PERIODS = 6
METHOD = (
    "A least-squares line through the last {n} periods is extended to the target date: on track "
    "if it reaches the target, at risk if it covers at least half of the remaining distance, "
    "off track otherwise."
)


@dataclass(frozen=True)
class Progress:
    baseline: float | None
    latest: float | None
    target: float | None
    progress_percent: float | None  # share of the way from baseline to target already covered
    projected: float | None  # the trend's value at the target date
    status: str  # on_track, at_risk, off_track, met, unknown
    method: str


def slope(values: list[float | None]) -> float | None:
    """Least-squares slope per period through the present values (None if fewer than two)."""
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(points) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _y in points) / n
    mean_y = sum(y for _x, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _y in points)
    if spread == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


def progress(
    values: list[float | None],
    period_starts: list[dt.date | None],
    baseline: float | None,
    target: float | None,
    target_date: dt.date | None,
    lower_is_better: bool,
) -> Progress:
    method = METHOD.format(n=RECENT_PERIODS)
    present = [(d, v) for d, v in zip(period_starts, values, strict=True) if v is not None]
    latest = present[-1][1] if present else None
    if baseline is None or target is None or latest is None:
        return Progress(baseline, latest, target, None, None, "unknown", method)
    distance = target - baseline
    done = None if distance == 0 else round(100 * (latest - baseline) / distance, 1)

    def better(a: float, b: float) -> bool:
        return a <= b if lower_is_better else a >= b

    if better(latest, target):
        return Progress(baseline, latest, target, done, latest, "met", method)
    recent = present[-RECENT_PERIODS:]
    trend = slope([v for _d, v in recent])
    projected = None
    if trend is not None and target_date is not None and recent[-1][0] is not None:
        last_date = recent[-1][0]
        step_days = _step_days([d for d, _v in recent])
        periods_left = max(0.0, (target_date - last_date).days / step_days) if step_days else 0.0
        projected = latest + trend * periods_left
    if projected is None:
        status = "unknown"
    elif better(projected, target):
        status = "on_track"
    elif abs(projected - latest) >= abs(target - latest) / 2 and better(projected, latest):
        status = "at_risk"
    else:
        status = "off_track"
    return Progress(baseline, latest, target, done, projected, status, method)


def _step_days(dates: list[dt.date | None]) -> float:
    known = [d for d in dates if d is not None]
    if len(known) < 2:
        return 30.0
    return max(1.0, (known[-1] - known[0]).days / (len(known) - 1))
