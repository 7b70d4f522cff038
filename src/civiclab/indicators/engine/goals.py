"""Baselines, targets, progress and an honest on-track status (pure Python).

Status method, in one sentence (shown on the indicator page): a straight line is fitted by
least squares through the last six values, each at its period's real place in the calendar
(an empty period leaves a gap, it does not pull the later values closer), and extended to the
target date; the indicator is on track if the line's value there reaches the target, at risk
if it gets at least half of the remaining way from the latest value, and off track otherwise.

A target must be an improvement on the baseline in the indicator's direction (below it when
lower is better): a target on the wrong side is reported as such, never as met, and progress
is then given in words, not as a percentage of a distance that runs the wrong way.
"""

from __future__ import annotations

import calendar
import datetime as dt
import statistics
from dataclasses import dataclass

RECENT_PERIODS = 6
METHOD = (
    "A least-squares line through the last {n} values, each at its period's place in the "
    "calendar, is extended to the target date: on track if it reaches the target, at risk if "
    "it covers at least half of the remaining distance from the latest value, off track "
    "otherwise."
)
# How the latest value compares with the baseline, in the indicator's direction.
BETTER, WORSE, UNCHANGED = "better", "worse", "unchanged"


@dataclass(frozen=True)
class Progress:
    baseline: float | None
    latest: float | None
    target: float | None
    # Share of the way from baseline to target covered, 0–100; None when the value moved the
    # wrong way or the target is no improvement (a percentage would run away or mislead).
    progress_percent: float | None
    projected: float | None  # the trend line's value at the target date
    status: str  # on_track, at_risk, off_track, met, target_contradicts_direction, unknown
    method: str
    change: float | None = None  # latest − baseline
    direction: str | None = None  # better, worse or unchanged (in the indicator's direction)


def slope(values: list[float | None]) -> float | None:
    """Least-squares slope per period through the present values (None if fewer than two)."""
    points = [(float(i), v) for i, v in enumerate(values) if v is not None]
    fitted = _line(points)
    return fitted[0] if fitted else None


def contradicts(baseline: float, target: float, lower_is_better: bool) -> bool:
    """Whether the target lies on the wrong side of the baseline for the direction."""
    return target > baseline if lower_is_better else target < baseline


def progress(
    values: list[float | None],
    period_starts: list[dt.date | None],
    baseline: float | None,
    target: float | None,
    target_date: dt.date | None,
    lower_is_better: bool,
    period: str | None = None,
) -> Progress:
    """Progress from ``baseline`` towards ``target``; ``values`` is the series in period order
    with every period present (None where it has no value), ``period`` its kind (month, …)."""
    method = METHOD.format(n=RECENT_PERIODS)
    present = [(i, v) for i, v in enumerate(values) if v is not None]
    latest = present[-1][1] if present else None
    if baseline is None or latest is None:
        return Progress(baseline, latest, target, None, None, "unknown", method)
    change = latest - baseline
    direction = UNCHANGED if change == 0 else BETTER if (change < 0) == lower_is_better else WORSE
    if target is None:
        return Progress(baseline, latest, target, None, None, "unknown", method, change, direction)
    if contradicts(baseline, target, lower_is_better):
        status = "target_contradicts_direction"
        return Progress(baseline, latest, target, None, None, status, method, change, direction)
    distance = target - baseline
    done = None
    if distance != 0 and direction != WORSE:
        done = round(min(100.0, 100 * change / distance), 1)

    def better(a: float, b: float) -> bool:
        return a <= b if lower_is_better else a >= b

    if better(latest, target):
        return Progress(baseline, latest, target, done, latest, "met", method, change, direction)
    first = period_starts[0] if period_starts else None
    last = period_starts[present[-1][0]] if period_starts else None
    fitted = _line([(float(i), v) for i, v in present[-RECENT_PERIODS:]])
    projected = None
    if fitted is not None and target_date is not None and first is not None and last is not None:
        trend, intercept = fitted
        # A target date already past is judged where the series ends.
        if period is None:  # not told: periods of the series' mean length in days
            days = (last - first).days / present[-1][0] if present[-1][0] else 30.0
            place = (target_date - first).days / max(days, 1.0)
        else:
            place = _position(target_date, first, period)
        at = max(place, float(present[-1][0]))
        projected = intercept + trend * at
    if projected is None:
        status = "unknown"
    elif better(projected, target):
        status = "on_track"
    elif abs(projected - latest) >= abs(target - latest) / 2 and better(projected, latest):
        status = "at_risk"
    else:
        status = "off_track"
    return Progress(baseline, latest, target, done, projected, status, method, change, direction)


def _line(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    """(slope, intercept) of the least-squares line, None with fewer than two places."""
    if len({x for x, _y in points}) < 2:
        return None
    fit = statistics.linear_regression([x for x, _y in points], [y for _x, y in points])
    return fit.slope, fit.intercept


def _position(day: dt.date, first: dt.date, period: str) -> float:
    """Where ``day`` falls on the series' axis: period 0 starts at ``first``, period k at the
    k-th period after it; a day inside a period is the fraction of that period gone by."""
    if period == "day":
        return float((day - first).days)
    if period == "week":
        return (day - first).days / 7
    if period == "year":
        length = 366 if calendar.isleap(day.year) else 365
        return day.year - first.year + (day.timetuple().tm_yday - 1) / length
    months = (day.year - first.year) * 12 + day.month - first.month
    months_float = months + (day.day - 1) / calendar.monthrange(day.year, day.month)[1]
    return months_float / 3 if period == "quarter" else months_float
