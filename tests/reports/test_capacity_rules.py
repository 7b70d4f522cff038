"""The capacity comparison and radar chart, without a database."""

from __future__ import annotations

import pytest

from civiclab.reports.rules.capacity import (
    ELEMENTS,
    MIN_CITIES,
    compare,
    median,
    overall,
    percentile_rank,
    radar_svg,
)


def same(score: int) -> dict[str, int]:
    return dict.fromkeys(ELEMENTS, score)


def test_median_and_percentile() -> None:
    assert median([3, 1, 2]) == 2
    assert median([1, 2, 3, 4]) == 2.5
    assert percentile_rank(5, [1, 2, 3, 4, 5]) == 90
    assert percentile_rank(1, [1, 2, 3, 4, 5]) == 10
    assert percentile_rank(3, [3, 3, 3, 3, 3]) == 50
    with pytest.raises(ValueError):
        median([])


def test_the_comparison_is_withheld_below_the_minimum() -> None:
    assert MIN_CITIES == 5
    network = [same(s) for s in (1, 2, 3, 4)]
    found = compare(same(4), network)
    assert found.withheld and found.cities == 4
    assert found.median is None and found.percentile is None and found.overall_percentile is None


def test_the_comparison_from_the_minimum() -> None:
    network = [same(s) for s in (1, 2, 3, 4, 5)]
    found = compare(same(5), network)
    assert not found.withheld and found.cities == 5
    assert found.median == dict.fromkeys(ELEMENTS, 3.0)
    assert found.percentile == dict.fromkeys(ELEMENTS, 90)
    assert found.overall_percentile == 90
    assert found.overall_median == 3.0


def test_an_incomplete_assessment_is_not_counted() -> None:
    partial = {ELEMENTS[0]: 5}
    found = compare(same(3), [same(3)] * 4 + [partial])
    assert found.withheld and found.cities == 4


def test_overall_is_the_mean() -> None:
    scores = dict(zip(ELEMENTS, (1, 2, 3, 4, 5, 5, 1), strict=True))
    assert overall(scores) == 3


def test_the_radar_draws_both_polygons_and_escapes_text() -> None:
    labels = [(code, f"<{code}>") for code in ELEMENTS]
    svg = radar_svg(
        labels,
        same(5),
        same(3),
        title="Paris & co",
        description="d",
        city_label="Paris",
        median_label="Median",
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "Paris &amp; co" in svg and "&lt;data_driven&gt;" in svg
    assert svg.count('class="city"') == 2  # the polygon and its legend swatch
    assert 'polygon class="median"' in svg
    # At 5 (the maximum) the first axis points straight up from the centre.
    assert 'points="180.0,60.0 ' in svg
    without = radar_svg(
        labels, same(2), None, title="t", description="d", city_label="c", median_label="m"
    )
    assert 'class="median"' not in without
