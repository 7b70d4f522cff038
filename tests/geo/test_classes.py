"""The colour classes shared by the choropleth and the H3 density layer (``geo.spatial.classes``),
tested without a database."""

from __future__ import annotations

from civiclab.geo.spatial.classes import class_of, quantile_breaks


def test_quantile_breaks_are_distinct_upper_bounds_ending_at_the_largest_value() -> None:
    """GIVEN values WHEN they are split into quantile classes THEN the breaks are the classes'
    upper bounds, ascending, distinct, the last being the largest value."""
    assert quantile_breaks([], 5) == []
    assert quantile_breaks([1, 1, 1], 5) == [1]  # one value: one class
    assert quantile_breaks(list(range(1, 101)), 5) == [21, 41, 61, 81, 100]
    assert quantile_breaks([3.5, 0.5, 2.0], 5) == [0.5, 2.0, 3.5]  # fewer values than classes
    assert quantile_breaks([10, 0, 5, 5], 2) == [5, 10]


def test_class_of_a_value_is_the_first_class_that_holds_it() -> None:
    """GIVEN breaks WHEN a value is classed THEN it falls in the first class whose upper bound
    is at least the value; no value has no class."""
    breaks = [21, 41, 61, 81, 100]
    assert class_of(1, breaks) == 0
    assert class_of(21, breaks) == 0
    assert class_of(21.5, breaks) == 1
    assert class_of(100, breaks) == 4
    assert class_of(150, breaks) == 4  # above every bound: the last class
    assert class_of(None, breaks) is None
