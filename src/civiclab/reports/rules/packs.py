"""PURE (no Django): a review pack from plain data — cadences, indicator entries (goal status,
new run-chart signals, expected trajectory against actual), risk severity bands, the pack's
summary, and its small inline SVG chart.

The pack is plain JSON (dates as ISO strings), so a meeting can freeze it as it was shown and
the pages, the API, the PDF and the command line read the same thing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from civiclab.indicators.engine.goals import progress
from civiclab.indicators.engine.runchart import analyse, point_signals

PACK_VERSION = 1
# Risks by severity (likelihood × impact, 1–25).
HIGH_SEVERITY, MEDIUM_SEVERITY = 15, 8


def next_meeting(after: dt.date, cadence: str) -> dt.date:
    """The date one cadence after ``after`` (a month later keeps the day where it exists)."""
    if cadence == "weekly":
        return after + dt.timedelta(days=7)
    months = 3 if cadence == "quarterly" else 1
    month = after.month - 1 + months
    year, month = after.year + month // 12, month % 12 + 1
    day = min(after.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def severity_band(severity: int) -> str:
    """high (15–25), medium (8–14) or low (1–7)."""
    if severity >= HIGH_SEVERITY:
        return "high"
    return "medium" if severity >= MEDIUM_SEVERITY else "low"


def signal_key(rule: str, periods: Sequence[str]) -> str:
    """A signal's identity across packs: its rule and the periods it marks."""
    return f"{rule}:{','.join(periods)}"


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if value else None


def expected_line(
    starts: Sequence[dt.date | None],
    baseline: float | None,
    baseline_on: dt.date | None,
    target: float | None,
    target_on: dt.date | None,
) -> list[float | None]:
    """The value expected at each period's start on a straight line from the baseline (at
    ``baseline_on``) to the target (at ``target_on``); None where it cannot be said."""
    if None in (baseline, target, baseline_on, target_on) or target_on <= baseline_on:  # type: ignore[operator]
        return [None] * len(starts)
    assert baseline is not None and target is not None
    assert baseline_on is not None and target_on is not None
    span = (target_on - baseline_on).days
    line: list[float | None] = []
    for start in starts:
        if start is None or start < baseline_on:
            line.append(None)
            continue
        share = min((start - baseline_on).days / span, 1.0)
        line.append(round(baseline + (target - baseline) * share, 6))
    return line


def indicator_entry(
    *,
    indicator_id: int,
    name: str,
    overall: Sequence[dict[str, Any]],
    baseline: float | None,
    target: float | None,
    target_date: dt.date | None,
    lower_is_better: bool,
    period: str | None,
    previous_signals: Iterable[str] | None,
    error: str | None = None,
) -> dict[str, Any]:
    """One indicator of the pack: its goal status, its signals (``new``: not in the previous
    pack's; all are new when there was no previous pack), and its points, actual and expected.
    ``overall`` is the cached series' points (``period``, ``start``, ``value``)."""
    values = [_finite(p.get("value")) for p in overall]
    starts = [_date(p.get("start")) for p in overall]
    periods = [str(p.get("period") or "") for p in overall]
    goal = progress(values, starts, baseline, target, target_date, lower_is_better, period)
    chart = analyse(values)
    seen = set(previous_signals) if previous_signals is not None else None
    signals = []
    marked: set[int] = set()
    for signal in chart.signals:
        marks = [periods[i] for i in signal.points]
        key = signal_key(signal.rule, marks)
        new = seen is None or key not in seen
        signals.append({"key": key, "rule": signal.rule, "periods": marks[-3:], "new": new})
    for signal in point_signals(chart.signals):
        marked.update(signal.points)
    baseline_on = next((s for s, v in zip(starts, values, strict=True) if v is not None), None)
    expected = expected_line(starts, baseline, baseline_on, target, target_date)
    latest_i = max((i for i, v in enumerate(values) if v is not None), default=None)
    expected_now = expected[latest_i] if latest_i is not None else None
    latest = values[latest_i] if latest_i is not None else None
    gap = None
    if expected_now is not None and latest is not None:
        gap = round(latest - expected_now, 6)
    behind = None
    if gap is not None:
        behind = gap > 0 if lower_is_better else gap < 0
    return {
        "id": indicator_id,
        "name": name,
        "status": goal.status,
        "baseline": goal.baseline,
        "latest": goal.latest,
        "target": target,
        "target_date": target_date.isoformat() if target_date else None,
        "progress_percent": goal.progress_percent,
        "projected": goal.projected,
        "lower_is_better": lower_is_better,
        "median": chart.median,
        "signals": signals,
        "new_signals": sum(1 for s in signals if s["new"]),
        "marked": sorted(marked),
        "points": [
            {"period": p, "value": v, "expected": e}
            for p, v, e in zip(periods, values, expected, strict=True)
        ],
        "expected_now": expected_now,
        "gap": gap,
        "behind": behind,
        "error": error or "",
    }


OFF_GOAL = {"off_track", "at_risk", "target_contradicts_direction"}


def summary(solutions: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The pack's headline counts."""
    indicators = [i for s in solutions for i in s["indicators"]]
    risks = [r for s in solutions for r in s["risks"]]
    bands = {"high": 0, "medium": 0, "low": 0}
    for risk in risks:
        bands[risk["band"]] += 1
    statuses = {"on_track": 0, "at_risk": 0, "off_track": 0}
    for solution in solutions:
        code = solution["status"]["status"]
        statuses[code] = statuses.get(code, 0) + 1
    return {
        "solutions": len(solutions),
        "statuses": statuses,
        "indicators": len(indicators),
        "indicators_off_goal": sum(1 for i in indicators if i["status"] in OFF_GOAL),
        "new_signals": sum(i["new_signals"] for i in indicators),
        "milestones_slipping": sum(len(s["milestones_slipping"]) for s in solutions),
        "risks": bands,
        "evaluations": sum(len(s["evaluations"]) for s in solutions),
    }


def assemble(
    *,
    review: dict[str, Any],
    prepared_at: dt.datetime,
    since: dt.date | None,
    next_meeting_on: dt.date,
    solutions: list[dict[str, Any]],
    carried: dict[str, list[dict[str, Any]]],
    decisions_due: list[dict[str, Any]],
    funding_deadlines: list[dict[str, Any]],
    truncated: bool = False,
) -> dict[str, Any]:
    """The pack: solutions in order, each with its entries; risks sorted by severity; the
    carried decisions and actions; and the summary."""
    for solution in solutions:
        solution["risks"].sort(key=lambda r: (-r["severity"], r["title"]))
    return {
        "version": PACK_VERSION,
        "review": review,
        "prepared_at": prepared_at.isoformat(),
        "since": since.isoformat() if since else None,
        "next_meeting_on": next_meeting_on.isoformat(),
        "summary": summary(solutions),
        "solutions": solutions,
        "carried": carried,
        "decisions_due": sorted(decisions_due, key=lambda d: (d.get("due_on") or "", d["text"])),
        "funding_deadlines": sorted(funding_deadlines, key=lambda d: (d["on"], d["title"])),
        "truncated": truncated,
    }


# The trajectory chart: actual (solid), expected (dashed), signal points marked.
WIDTH, HEIGHT, PAD_X, PAD_Y = 300, 90, 6, 8


def _n(value: float) -> str:
    return f"{value:.1f}"


def trajectory_svg(
    points: Sequence[dict[str, Any]], *, marked: Sequence[int] = (), title: str = ""
) -> str:
    """A small SVG: the actual series against the expected trajectory (baseline → target).
    Every text placed in it is escaped; "" when there is no value."""
    actual = [_finite(p.get("value")) for p in points]
    expected = [_finite(p.get("expected")) for p in points]
    scale = [v for v in actual + expected if v is not None]
    if not any(v is not None for v in actual):
        return ""
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
        f'<svg xmlns="http://www.w3.org/2000/svg" class="pack-chart" viewBox="0 0 {WIDTH} '
        f'{HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for name, series, style in (
        ("expected", expected, 'stroke="#1a7f37" stroke-dasharray="4 3" stroke-width="1.5"'),
        ("actual", actual, 'stroke="#0b5cad" stroke-width="2"'),
    ):
        run: list[str] = []
        runs = [run]
        for i, value in enumerate(series):
            if value is None:
                run = []
                runs.append(run)
            else:
                run.append(f"{_n(x(i))},{_n(y(value))}")
        for line in runs:
            if len(line) > 1:
                parts.append(
                    f'<polyline class="{name}" fill="none" {style} points="{" ".join(line)}"/>'
                )
    shown = set(marked)
    for i, value in enumerate(actual):
        if value is not None and i in shown:
            parts.append(f'<circle cx="{_n(x(i))}" cy="{_n(y(value))}" r="3.5" fill="#d1242f"/>')
    parts.append("</svg>")
    return "".join(parts)
