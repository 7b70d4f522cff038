"""Run-chart rules and XmR limits on textbook examples with known signals."""

from __future__ import annotations

import pytest

from civiclab.indicators.runchart import analyse, point_signals, runs_limits, xmr


@pytest.mark.parametrize(
    ("n1", "n2", "expected"),
    # Swed & Eisenhart (1943) critical values at 5 % two-sided: R ≤ lower-1 or R ≥ upper+1
    # is unusual; e.g. for 10 and 10 points the critical values are 6 and 16.
    [(5, 5, (3, 9)), (10, 10, (7, 15)), (12, 12, (8, 18)), (15, 15, (11, 21)), (8, 12, (7, 15))],
)
def test_runs_limits_match_swed_eisenhart(n1: int, n2: int, expected: tuple[int, int]) -> None:
    assert runs_limits(n1, n2) == expected


def rules(values: list[float | None]) -> dict[str, list[tuple[int, ...]]]:
    found: dict[str, list[tuple[int, ...]]] = {}
    for signal in analyse(values).signals:
        found.setdefault(signal.rule, []).append(signal.points)
    return found


def test_a_shift_of_six_points_below_the_median() -> None:
    # Median 10; points 6-11 are all below it.
    values = [12, 9, 11, 12, 10, 13, 8, 7, 8, 9, 7, 8, 12, 11, 13, 12]
    assert rules(values)["shift"] == [(6, 7, 8, 9, 10, 11)]


def test_points_on_the_median_neither_count_nor_break_a_shift() -> None:
    values = [1, 2, 3, 5, 5, 3, 5, 5, 5, 5, 1, 2, 1]  # median 3: 5,5,(3),5,5,5,5 → six above
    assert rules(values)["shift"] == [(3, 4, 6, 7, 8, 9)]


def test_five_points_going_up_is_a_trend_and_ties_do_not_count() -> None:
    assert rules([5, 3, 4, 6, 7, 9, 2, 5])["trend"] == [(1, 2, 3, 4, 5)]
    assert "trend" not in rules([1, 2, 2, 3, 9, 1])  # 1,2,3,9 after dropping the repeat: four
    assert rules([9, 8, 8, 6, 5, 4, 10])["trend"] == [(0, 1, 3, 4, 5)]


def test_too_many_runs_when_points_alternate() -> None:
    values = [1, 9] * 10  # 20 runs among 20 useful points; at most 15 are not unusual
    chart = analyse(values)
    assert chart.runs == 20 and chart.runs_range == (7, 15)
    assert "too_many_runs" in rules(values)


def test_too_few_runs() -> None:
    values = [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8]
    chart = analyse(values)
    assert chart.runs == 2 and "too_few_runs" in rules(values)


def test_random_looking_data_gives_no_signal() -> None:
    values = [14, 16, 15, 11, 12, 17, 13, 12, 16, 15, 14, 11, 13, 16, 12, 15]
    chart = analyse(values)
    assert (chart.runs, chart.runs_range) == (9, (4, 12))
    assert rules(values) == {}


def test_xmr_limits_and_an_astronomical_point() -> None:
    limits = xmr([10, 12, 11, 13, 12])
    assert limits.centre == pytest.approx(11.6)
    assert limits.mean_moving_range == pytest.approx(1.5)
    assert (limits.lower, limits.upper) == pytest.approx((11.6 - 3.99, 11.6 + 3.99))
    values = [10, 12, 11, 13, 12, 11, 10, 12, 11, 40, 12, 11]
    assert rules(values)["astronomical"] == [(9,)]


def test_missing_values_are_skipped_not_zero() -> None:
    chart = analyse([None, 12, None, 9, 11])
    assert chart.median == 11 and chart.useful == 2


def test_only_point_rules_are_marked_on_a_chart() -> None:
    """Too many runs is a property of the series: told in words, no point marked."""
    alternating = analyse([1.0, 9.0] * 10).signals
    assert [s.rule for s in alternating] == ["too_many_runs"]
    assert point_signals(alternating) == []
    shifted = analyse([1.0] * 7 + [9.0] * 7).signals
    assert "too_few_runs" in {s.rule for s in shifted}
    assert {s.rule for s in point_signals(shifted)} == {"shift", "astronomical"}
