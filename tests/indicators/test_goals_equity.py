"""Progress toward a target, its status, and the equity gap."""

from __future__ import annotations

import datetime as dt

import pytest

from civiclab.indicators.equity import equity_view, gaps
from civiclab.indicators.evaluate import Point
from civiclab.indicators.goals import progress, slope

MONTHS = [dt.date(2024, m, 1) for m in range(1, 7)]


def test_slope() -> None:
    assert slope([1, 2, 3, None, 5]) == pytest.approx(1.0)
    assert slope([4]) is None


@pytest.mark.parametrize(
    ("values", "target", "status"),
    [
        ([100, 95, 90, 85, 80, 75], 45, "on_track"),  # −5/month: ≈44.7 by December
        ([100, 99, 97, 96, 95, 93], 40, "off_track"),  # −1.4/month: far short
        ([100, 96, 92, 89, 85, 81], 40, "at_risk"),  # ≈58 by December: over half the way
        ([100, 90, 80, 70, 60, 35], 40, "met"),
    ],
)
def test_status_lower_is_better(values: list[float], target: float, status: str) -> None:
    result = progress(values, MONTHS, 100, target, dt.date(2024, 12, 1), lower_is_better=True)
    assert result.status == status
    assert "least-squares line" in result.method


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
