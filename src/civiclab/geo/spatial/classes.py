"""Colour classes of a map, pure: quantile class breaks and the class of a value.

One rule for every map that colours by value (the choropleth of an indicator by area, the H3
density layer), so a legend means the same everywhere."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

Number = TypeVar("Number", int, float)


def quantile_breaks(values: Sequence[Number], classes: int) -> list[Number]:
    """Upper bounds of up to ``classes`` quantile classes of ``values``, ascending and
    distinct (repeated values make fewer classes); the last is the largest value. Empty
    without values."""
    if not values:
        return []
    ordered = sorted(values)
    picks = [ordered[min(len(ordered) - 1, len(ordered) * k // classes)] for k in range(1, classes)]
    return sorted(set(picks) | {ordered[-1]})


def class_of(value: float | None, breaks: Sequence[float]) -> int | None:
    """The index of the first class whose upper bound is at least ``value`` (the last class
    for a value above every bound); None for no value."""
    if value is None:
        return None
    return next((i for i, high in enumerate(breaks) if value <= high), len(breaks) - 1)
