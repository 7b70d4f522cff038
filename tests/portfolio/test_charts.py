"""The geometry of the portfolio's SVG charts (rules.charts), without a database."""

from __future__ import annotations

import datetime as dt

from civiclab.portfolio.rules import charts


def test_matrix_places_points_by_feasibility_and_impact() -> None:
    layout = charts.matrix_layout([("a", 5.0, 5.0, "Top right"), ("b", 1.0, 1.0, "Bottom left")])
    top_right, bottom_left = layout.points
    assert float(top_right.x) > float(layout.split_x) > float(bottom_left.x)
    assert float(top_right.y) < float(layout.split_y) < float(bottom_left.y)
    assert top_right.anchor == "end" and bottom_left.anchor == "start"
    assert [t.value for t in layout.ticks] == [1, 2, 3, 4, 5]


def test_matrix_fans_out_ideas_on_the_same_spot_and_cuts_long_labels() -> None:
    layout = charts.matrix_layout([(i, 3.0, 3.0, "x" * 40) for i in range(3)])
    assert len({(p.x, p.y) for p in layout.points}) == 3
    assert all(len(p.label) == charts.LABEL_CHARS and p.label.endswith("…") for p in layout.points)


def test_coordinates_use_a_dot() -> None:
    assert charts.coord(12.25) == "12.2" or charts.coord(12.25) == "12.3"
    assert charts.coord(12.0) == "12"


def test_gantt_rows_bars_marks_and_today() -> None:
    today = dt.date(2027, 3, 15)
    rows = [
        charts.GanttInput(
            "s1",
            "Solution",
            dt.date(2027, 1, 10),
            dt.date(2027, 6, 30),
            [("m1", dt.date(2027, 2, 1), "done"), ("m2", dt.date(2027, 3, 1), "slipping")],
        ),
        charts.GanttInput("s2", "No dates", None, None, [("m3", dt.date(2027, 5, 1), "upcoming")]),
    ]
    layout = charts.gantt_layout(rows, today)
    assert layout is not None
    assert layout.start == dt.date(2027, 1, 1) and layout.end == dt.date(2027, 7, 1)
    first, second = layout.rows
    assert first.bar_x is not None and second.bar_x is None
    assert [m.state for m in first.marks] == ["done", "slipping"]
    assert float(first.marks[0].x) < float(layout.today_x or 0) < float(second.marks[0].x)
    assert [t.day.month for t in layout.ticks] == [1, 2, 3, 4, 5, 6]


def test_gantt_ticks_thin_out_over_years_and_rows_are_capped() -> None:
    ticks = charts.month_ticks(dt.date(2025, 2, 1), dt.date(2029, 1, 1))
    assert all(t.month == 1 for t in ticks)
    many = [
        charts.GanttInput(i, str(i), None, None, [(i, dt.date(2027, 1, 1), "upcoming")])
        for i in range(charts.GANTT_MAX_ROWS + 5)
    ]
    layout = charts.gantt_layout(many, dt.date(2027, 1, 1))
    assert layout is not None
    assert len(layout.rows) == charts.GANTT_MAX_ROWS and layout.left_out == 5


def test_share() -> None:
    assert charts.share(25, 100) == 25
    assert charts.share(1, 0) is None and charts.share(None, 5) is None
