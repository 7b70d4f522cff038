"""Run-chart rules and XmR limits on textbook examples with known signals."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from civiclab.indicators.engine.runchart import (
    analyse,
    exact_runs_limits,
    point_signals,
    runs_limits,
    xmr,
)

# Perla, Provost & Murray (2011) Table 1, transcribed (see the folder's SOURCE.md).
PERLA_TABLE = Path(__file__).parents[1] / "data/reference/run-chart-perla-2011/runs-limits.csv"


@pytest.mark.parametrize(
    ("n1", "n2", "expected"),
    # Swed & Eisenhart (1943) critical values at 5 % two-sided: R ≤ lower-1 or R ≥ upper+1
    # is unusual; e.g. for 10 and 10 points the critical values are 6 and 16.
    [(5, 5, (3, 9)), (10, 10, (7, 15)), (12, 12, (8, 18)), (15, 15, (11, 21)), (8, 12, (7, 15))],
)
def test_exact_runs_limits_match_swed_eisenhart(
    n1: int, n2: int, expected: tuple[int, int]
) -> None:
    assert exact_runs_limits(n1, n2) == expected


def perla_rows() -> list[tuple[int, int, int]]:
    with PERLA_TABLE.open() as table:
        return [
            (int(r["useful_points"]), int(r["too_few_if_runs_below"]),
             int(r["too_many_if_runs_above"]))
            for r in csv.DictReader(table)
        ]  # fmt: skip


def test_runs_limits_are_the_published_table_for_every_row() -> None:
    """GIVEN every row of Perla et al.'s Table 1 (10–60 useful points) WHEN the limits are
    asked for any split of those points above and below the median THEN they are the
    table's, and a run count just outside them is flagged while the limits are not."""
    rows = perla_rows()
    assert len(rows) == 51
    for useful, too_few_below, too_many_above in rows:
        for above in {useful // 2, useful - useful // 2, max(1, useful // 3)}:
            assert runs_limits(above, useful - above) == (too_few_below, too_many_above), useful


@pytest.mark.parametrize("runs", [6, 16])
def test_twenty_points_with_6_or_16_runs_are_not_flagged(runs: int) -> None:
    """GIVEN 20 useful points with 6 runs or 16 runs THEN neither is flagged, as in the
    table (the exact limits, 7 to 15, flagged both)."""
    # Runs of lengths summing to 20, alternating below (1) and above (9) the median 5.
    lengths = [5, 5, 3, 3, 2, 2] if runs == 6 else [2, 2, 2, 2, *[1] * 12]
    values: list[float | None] = []
    for i, length in enumerate(lengths):
        values += [1.0 if i % 2 == 0 else 9.0] * length
    chart = analyse(values)
    assert (chart.useful, chart.runs, chart.runs_range) == (20, runs, (6, 16))
    assert not {"too_few_runs", "too_many_runs"} & {s.rule for s in chart.signals}


def test_beyond_the_table_the_exact_limits_and_below_it_no_runs_rule() -> None:
    assert runs_limits(31, 31) == exact_runs_limits(31, 31) == (24, 40)
    short = analyse([1.0, 9.0] * 4)  # 8 useful points, 8 runs: too few points to judge
    assert short.runs == 8 and short.runs_range is None
    assert not [s for s in short.signals if s.rule.endswith("runs")]


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
    values = [1, 9] * 10  # 20 runs among 20 useful points; at most 16 are not unusual
    chart = analyse(values)
    assert chart.runs == 20 and chart.runs_range == (6, 16)
    assert "too_many_runs" in rules(values)


def test_too_few_runs() -> None:
    values = [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8]
    chart = analyse(values)
    assert chart.runs == 2 and "too_few_runs" in rules(values)


def test_random_looking_data_gives_no_signal() -> None:
    values = [14, 16, 15, 11, 12, 17, 13, 12, 16, 15, 14, 11, 13, 16, 12, 15]
    chart = analyse(values)
    assert (chart.runs, chart.runs_range) == (9, (4, 12))  # 14 useful points: the table agrees
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
