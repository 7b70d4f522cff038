"""Idea scores summarised: the mean and spread per criterion and overall (no Django)."""

from __future__ import annotations

import statistics
from collections.abc import Hashable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class CriterionSummary:
    criterion: str
    mean: float | None
    low: int | None
    high: int | None
    spread: float | None  # population standard deviation of the reviewers' scores
    reviewers: int


@dataclass(frozen=True)
class ScoreSummary:
    criteria: list[CriterionSummary]
    mean: float | None  # the mean of the criteria means
    reviewers: int
    disagreement: bool  # some criterion where reviewers are 2 or more points apart


def summarise(criteria: list[str], scores: Iterable[tuple[Hashable, str, int]]) -> ScoreSummary:
    """Summarise (reviewer, criterion, value) scores over the rubric's ``criteria``."""
    by_criterion: dict[str, list[int]] = {c: [] for c in criteria}
    reviewers: set[Hashable] = set()
    for reviewer, criterion, value in scores:
        if criterion in by_criterion:
            by_criterion[criterion].append(value)
            reviewers.add(reviewer)
    rows = []
    for criterion in criteria:
        values = by_criterion[criterion]
        rows.append(
            CriterionSummary(
                criterion,
                round(statistics.fmean(values), 2) if values else None,
                min(values) if values else None,
                max(values) if values else None,
                round(statistics.pstdev(values), 2) if values else None,
                len(values),
            )
        )
    means = [row.mean for row in rows if row.mean is not None]
    return ScoreSummary(
        rows,
        round(statistics.fmean(means), 2) if means else None,
        len(reviewers),
        any(
            row.high is not None and row.low is not None and row.high - row.low >= 2 for row in rows
        ),
    )


def quadrant(impact: float | None, feasibility: float | None, middle: float = 3.0) -> str | None:
    """Where an idea falls on the impact × feasibility 2×2 (scores 1–5, split at 3)."""
    if impact is None or feasibility is None:
        return None
    high_impact, feasible = impact >= middle, feasibility >= middle
    if high_impact and feasible:
        return "quick_wins"  # do first
    if high_impact:
        return "big_bets"
    if feasible:
        return "small_steps"
    return "deprioritise"
