"""Progress toward a target, its status, and the equity gap."""

from __future__ import annotations

import datetime as dt
import statistics

import pytest

from civiclab.indicators.engine.equity import equity_view, gaps
from civiclab.indicators.engine.evaluate import Point
from civiclab.indicators.engine.goals import progress, slope

MONTHS = [dt.date(2024, m, 1) for m in range(1, 7)]


def test_slope() -> None:
    assert slope([1, 2, 3, None, 5]) == pytest.approx(1.0)
    assert slope([4]) is None


@pytest.mark.parametrize(
    ("values", "target", "status"),
    [
        ([100, 95, 90, 85, 80, 75], 45, "on_track"),  # −5/month: 45 by December
        ([100, 99, 97, 96, 95, 93], 40, "off_track"),  # −1.4/month: far short
        ([100, 96, 92, 89, 85, 81], 40, "at_risk"),  # ≈58 by December: over half the way
        ([100, 90, 80, 70, 60, 35], 40, "met"),
    ],
)
def test_status_lower_is_better(values: list[float], target: float, status: str) -> None:
    result = progress(values, MONTHS, 100, target, dt.date(2024, 12, 1), lower_is_better=True)
    assert result.status == status
    assert "least-squares line" in result.method


def test_the_projection_starts_from_the_line_not_the_latest_value() -> None:
    """GIVEN 8, 8, 8, 8, 8, 5 (lower is better) and a target of 4 three months on
    WHEN the status is judged THEN it is off track: the documented least-squares line is at
    about 6.4 in June and 5.1 in September; starting from the latest 5 would say on track."""
    result = progress(
        [8, 8, 8, 8, 8, 5], MONTHS, 8, 4, dt.date(2024, 9, 1), lower_is_better=True,
        period="month",
    )  # fmt: skip
    assert result.projected == pytest.approx(7.5 - 0.428571 * 5.5, abs=1e-4)
    assert result.status == "off_track"


def test_empty_periods_keep_their_place_on_the_line() -> None:
    """GIVEN 100, 98, 96 in January–March, nothing April–September, then 90, 88, 86
    WHEN the status is judged for 72 by June 2025 THEN the line runs through the real months
    (about −1.2 a month: 79.9 by June, under half of the 14 left: off track), not through six
    evenly spaced values (about −2.8 a step: "at risk")."""
    values = [100, 98, 96, *[None] * 6, 90, 88, 86]
    year = [dt.date(2024, m, 1) for m in range(1, 13)]
    result = progress(values, year, 100, 72, dt.date(2025, 6, 1), True, period="month")
    fit = statistics.linear_regression([0, 1, 2, 9, 10, 11], [100, 98, 96, 90, 88, 86])
    assert result.projected == pytest.approx(fit.intercept + fit.slope * 17)
    assert result.status == "off_track"


def test_a_target_date_already_past_is_judged_at_the_end_of_the_series() -> None:
    result = progress([100, 95, 90, 85, 80, 75], MONTHS, 100, 45, dt.date(2023, 1, 1), True)
    assert result.projected == pytest.approx(75) and result.status == "off_track"


def test_progress_percent() -> None:
    result = progress([50, 60, 70], MONTHS[:3], 50, 100, dt.date(2025, 1, 1), False)
    assert result.progress_percent == 40.0 and result.latest == 70


def points(rows: list[tuple[str, str, float | None]]) -> list[Point]:
    return [Point(period, value, 1, group) for period, group, value in rows]


def test_gap_between_best_and_worst_group() -> None:
    found = gaps(
        points([("2024-01", "Q1", 10), ("2024-01", "Q5", 30), ("2024-01", "Q3", 20)]), True
    )
    (gap,) = found
    assert (gap.best_group, gap.worst_group, gap.difference, gap.ratio) == ("Q1", "Q5", 20, 3.0)


def test_flag_when_overall_improves_while_the_gap_widens() -> None:
    rows = []
    for i, (rich, poor) in enumerate([(20, 30), (15, 32), (10, 35), (6, 40)]):
        rows += [(f"2024-0{i + 1}", "rich", rich), (f"2024-0{i + 1}", "poor", poor)]
    view = equity_view([25, 23, 22, 21], points(rows), lower_is_better=True)  # falling: better
    assert view.widening_while_improving
    assert not equity_view([25, 26, 27, 28], points(rows), True).widening_while_improving
