"""PURE: an initiative's status proposed from its data, with the reason as a code.

The rule, in order (the first that applies gives the status and the one reason shown):

1. **off_track** — an indicator's goal projection misses its target by more than half the
   remaining way (goals.progress says ``off_track``), or ``SLIPPING_OFF_TRACK`` or more
   milestones are past due and not done;
2. **at_risk** — an indicator's projection is ``at_risk``, or a milestone is past due, or an
   indicator shows a *new* run-chart signal (one that includes its latest value) of change
   for the worse in its own direction;
3. **on_track** — otherwise, when there is something to judge (an indicator with a goal, or a
   milestone); with nothing to judge there is no proposal (None).

The reason is returned as a ``code`` and its ``params`` (plain values): the caller puts it in
words in the reader's language (``reports.labels``).
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from civiclab.indicators.engine.goals import progress
from civiclab.indicators.engine.runchart import SERIES_RULES, Signal, analyse

SLIPPING_OFF_TRACK = 2
DUE_SOON_DAYS = 14

ON_TRACK, AT_RISK, OFF_TRACK = "on_track", "at_risk", "off_track"
RANK = {ON_TRACK: 0, AT_RISK: 1, OFF_TRACK: 2}


@dataclass(frozen=True)
class IndicatorInput:
    """One indicator's series (period order, None for an empty period) and goal."""

    name: str
    values: list[float | None]
    starts: list[dt.date | None]
    baseline: float | None
    target: float | None
    target_date: dt.date | None
    lower_is_better: bool
    period: str | None = None


@dataclass(frozen=True)
class Reading:
    """What the dashboard and the status rule need from one indicator."""

    goal_status: str  # goals.progress's status: on_track, at_risk, off_track, met, unknown, …
    new_signal: str | None  # the rule of a signal that includes the latest value, if any
    worse: bool  # that new signal is a change for the worse
    values: list[float | None] = field(default_factory=list)


@dataclass(frozen=True)
class MilestoneInput:
    title: str
    due_on: dt.date
    done_on: dt.date | None


@dataclass(frozen=True)
class Proposal:
    status: str | None  # on_track, at_risk, off_track; None when there is nothing to judge
    code: str
    params: dict[str, str | int] = field(default_factory=dict)


def _is_worse(signal: Signal, values: list[float | None], lower_is_better: bool) -> bool:
    """Whether ``signal`` (run-chart rule over ``values``) is a change for the worse."""
    present = [v for v in values if v is not None]
    if not present or not signal.points:
        return False
    at = [values[i] for i in signal.points if values[i] is not None]
    numbers = [v for v in at if v is not None]
    if not numbers:
        return False
    if signal.rule == "trend":
        rising = numbers[-1] > numbers[0]
    else:  # shift, astronomical: where the points lie against the centre
        rising = statistics.fmean(numbers) > statistics.median(present)
    return rising if lower_is_better else not rising


def read_indicator(indicator: IndicatorInput) -> Reading:
    """The goal status and the newest signal of one indicator's series."""
    goal = progress(
        indicator.values,
        indicator.starts,
        indicator.baseline,
        indicator.target,
        indicator.target_date,
        indicator.lower_is_better,
        period=indicator.period,
    )
    present = [i for i, v in enumerate(indicator.values) if v is not None]
    new_signal: str | None = None
    worse = False
    if present:
        last = present[-1]
        chart = analyse(indicator.values)
        for signal in chart.signals:
            if signal.rule in SERIES_RULES or last not in signal.points:
                continue
            is_worse = _is_worse(signal, indicator.values, indicator.lower_is_better)
            if new_signal is None or (is_worse and not worse):
                new_signal, worse = signal.rule, is_worse
    return Reading(goal.status, new_signal, worse, list(indicator.values))


def propose(
    readings: list[tuple[str, Reading]], milestones: list[MilestoneInput], today: dt.date
) -> Proposal:
    """The proposed status and its one reason from (indicator name, reading) and milestones."""
    slipping = sorted(
        (m for m in milestones if m.done_on is None and m.due_on < today), key=lambda m: m.due_on
    )
    off = [name for name, r in readings if r.goal_status == OFF_TRACK]
    if off:
        return Proposal(OFF_TRACK, "indicator_off_track", {"indicator": off[0], "count": len(off)})
    if len(slipping) >= SLIPPING_OFF_TRACK:
        first = slipping[0]
        return Proposal(
            OFF_TRACK,
            "milestones_slipping",
            {"count": len(slipping), "milestone": first.title, "days": (today - first.due_on).days},
        )
    risky = [name for name, r in readings if r.goal_status == AT_RISK]
    if risky:
        return Proposal(AT_RISK, "indicator_at_risk", {"indicator": risky[0]})
    if slipping:
        first = slipping[0]
        return Proposal(
            AT_RISK,
            "milestone_slipping",
            {"milestone": first.title, "days": (today - first.due_on).days},
        )
    worse = [(name, r) for name, r in readings if r.new_signal and r.worse]
    if worse:
        name, reading = worse[0]
        return Proposal(
            AT_RISK, "signal_worse", {"indicator": name, "rule": reading.new_signal or ""}
        )
    judged = [r for _n, r in readings if r.goal_status in (ON_TRACK, "met")]
    if judged:
        return Proposal(ON_TRACK, "indicators_on_track", {"count": len(judged)})
    if milestones:
        return Proposal(ON_TRACK, "milestones_on_time", {"count": len(milestones)})
    return Proposal(None, "nothing_to_judge")


def worst(statuses: list[str]) -> str | None:
    """The worst of several statuses (None for none)."""
    return max(statuses, key=lambda s: RANK.get(s, 0)) if statuses else None
