"""Idea score summaries and the impact × feasibility quadrants (pure)."""

from __future__ import annotations

import statistics

from hypothesis import given
from hypothesis import strategies as st

from civiclab.portfolio.rules.scoring import quadrant, summarise

CRITERIA = ["impact", "feasibility", "cost"]


def test_summary_of_two_reviewers() -> None:
    summary = summarise(
        CRITERIA, [(1, "impact", 5), (2, "impact", 2), (1, "cost", 3), (3, "ignored", 1)]
    )
    impact, feasibility, cost = summary.criteria
    assert (impact.mean, impact.low, impact.high, impact.spread) == (3.5, 2, 5, 1.5)
    assert feasibility.mean is None and feasibility.reviewers == 0
    assert cost.mean == 3 and summary.mean == 3.25
    assert summary.reviewers == 2 and summary.disagreement  # 5 and 2 are 3 points apart


@given(st.lists(st.tuples(st.integers(1, 6), st.sampled_from(CRITERIA), st.integers(1, 5))))
def test_means_and_spreads_match_statistics(scores: list[tuple[int, str, int]]) -> None:
    summary = summarise(CRITERIA, scores)
    for row in summary.criteria:
        values = [v for _r, c, v in scores if c == row.criterion]
        if not values:
            assert row.mean is None and row.spread is None
            continue
        assert row.mean == round(statistics.fmean(values), 2)
        assert row.spread == round(statistics.pstdev(values), 2)
        assert (row.low, row.high, row.reviewers) == (min(values), max(values), len(values))


def test_quadrants_split_at_three() -> None:
    assert quadrant(4.5, 3.0) == "quick_wins"
    assert quadrant(4.5, 2.9) == "big_bets"
    assert quadrant(2.0, 5.0) == "small_steps"
    assert quadrant(1.0, 1.0) == "deprioritise"
    assert quadrant(None, 4.0) is None
