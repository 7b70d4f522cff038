"""The pure status rule, the sparkline and the outline (no database)."""

from __future__ import annotations

import datetime as dt

from civiclab.reports.rules.outline import outline_svg
from civiclab.reports.rules.sparkline import sparkline_svg
from civiclab.reports.rules.status import (
    IndicatorInput,
    MilestoneInput,
    Reading,
    propose,
    read_indicator,
    worst,
)

TODAY = dt.date(2026, 6, 1)


def months(n: int) -> list[dt.date | None]:
    return [dt.date(2025 + (m // 12), m % 12 + 1, 1) for m in range(n)]


def series(values: list[float | None], target: float | None = 10.0, lower: bool = True) -> Reading:
    return read_indicator(
        IndicatorInput("Notices", values, months(len(values)), values[0], target,
                       dt.date(2026, 12, 1), lower, "month")
    )  # fmt: skip


def test_rising_count_with_lower_target_is_off_track() -> None:
    reading = series([20, 21, 22, 23, 24, 25, 26, 27])
    assert reading.goal_status == "off_track"
    proposal = propose([("Notices", reading)], [], TODAY)
    assert (proposal.status, proposal.code) == ("off_track", "indicator_off_track")
    assert proposal.params["indicator"] == "Notices"


def test_falling_fast_enough_is_on_track() -> None:
    reading = series([20, 19, 18, 17, 16, 15, 14, 13], target=10.0)
    assert reading.goal_status == "on_track"
    proposal = propose([("Notices", reading)], [MilestoneInput("Hire", TODAY, None)], TODAY)
    assert (proposal.status, proposal.code) == ("on_track", "indicators_on_track")


def test_new_worse_signal_is_at_risk() -> None:
    # flat, then a rising trend in the last five points: worse when lower is better
    values: list[float | None] = [10, 11, 10, 11, 10, 11, 12, 13, 14, 15]
    reading = series(values, target=None)
    assert reading.new_signal is not None
    assert reading.worse
    assert propose([("Notices", reading)], [], TODAY).code == "signal_worse"
    better = series(values, target=None, lower=False)
    assert better.new_signal is not None and not better.worse
    assert propose([("Notices", better)], [], TODAY).status is None


def test_milestones() -> None:
    one = [MilestoneInput("Survey", TODAY - dt.timedelta(days=10), None)]
    proposal = propose([], one, TODAY)
    assert (proposal.status, proposal.code, proposal.params["days"]) == (
        "at_risk",
        "milestone_slipping",
        10,
    )
    two = [*one, MilestoneInput("Hire", TODAY - dt.timedelta(days=3), None)]
    assert propose([], two, TODAY).status == "off_track"
    done = [MilestoneInput("Survey", TODAY - dt.timedelta(days=10), TODAY)]
    assert propose([], done, TODAY).code == "milestones_on_time"
    due_today = [MilestoneInput("Survey", TODAY, None)]
    assert propose([], due_today, TODAY).status == "on_track"


def test_nothing_to_judge() -> None:
    assert propose([], [], TODAY).status is None
    empty = series([None, None], target=5.0)
    assert propose([("Notices", empty)], [], TODAY).status is None


def test_off_track_indicator_beats_slipping_milestone() -> None:
    reading = series([20, 21, 22, 23, 24, 25, 26, 27])
    slip = [MilestoneInput("Survey", TODAY - dt.timedelta(days=1), None)]
    assert propose([("Notices", reading)], slip, TODAY).code == "indicator_off_track"


def test_worst() -> None:
    assert worst(["on_track", "off_track", "at_risk"]) == "off_track"
    assert worst([]) is None


def test_sparkline() -> None:
    svg = sparkline_svg([1, 2, None, 4, 3], "<Notices>")
    assert svg.startswith("<svg") and "&lt;Notices&gt;" in svg
    assert svg.count("<polyline") == 2  # the gap breaks the line
    assert sparkline_svg([None, None], "x") == ""
    assert "<circle" in sparkline_svg([5, 5, 5], "flat")


def test_outline() -> None:
    square = [(7.3, 47.7), (7.4, 47.7), (7.4, 47.8), (7.3, 47.8)]
    svg = outline_svg([square], "Mulhouse & co")
    assert "<path" in svg and "Mulhouse &amp; co" in svg
    assert outline_svg([[(0.0, 0.0), (1.0, 1.0)]], "line") == ""
