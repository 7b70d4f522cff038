"""How big an indicator's grid of periods × groups may be, checked before it is built.

A breakdown by an identifier (16,417 buildings) per quarter is a grid of 300,000 cells: the
query, the grid, the JSON and the page all grow with it, and one request can hold a worker
for half a minute and gigabytes of memory. The number of groups and of periods is counted
first, in one cheap scan of the rows (``CompiledQuery.size_sql``), and a grid over the limits
is refused with what to change, before any cell is computed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from civiclab.datasets.filters.language import SpecError, SpecProblem
from civiclab.indicators.engine.compile import CompiledQuery
from civiclab.lazy_modules import lazy_module

if TYPE_CHECKING:
    import pyarrow as pa
else:
    pa = lazy_module("pyarrow")

GROUPS_PROBLEM = (
    "the breakdown has {groups} groups; at most {max_groups} can be shown. Keep only the "
    "largest groups and gather the others into one, Other, with breakdown_top (the builder's "
    "“Keep the largest groups”), break it down by a column with fewer values, or keep only "
    "the groups you need with an 'in' filter."
)
CELLS_PROBLEM = (
    "{periods} periods × {groups} groups is {cells} values; at most {max_cells} can be "
    "shown. Choose a coarser period (a month rather than a day, a year rather than a month), "
    "a shorter time span with a filter, or fewer groups."
)
TOP_PROBLEM = (
    "breakdown_top is {top}; at most {max_top} groups can be kept, so that they and Other fit "
    "in the limit of {max_groups} groups."
)


@dataclass(frozen=True)
class GridLimits:
    max_groups: int
    max_cells: int

    @property
    def max_top(self) -> int:
        """The most groups breakdown_top may keep: they and Other within ``max_groups``."""
        return max(1, self.max_groups - 1)


@dataclass(frozen=True)
class GridSize:
    groups: int
    periods: int

    @property
    def cells(self) -> int:
        return self.groups * self.periods


class GridTooLarge(SpecError):
    """The series would have more groups or cells than the limits allow."""

    def __init__(
        self, size: GridSize, limits: GridLimits, grouped: bool, top: int | None = None
    ) -> None:
        self.size = size
        self.limits = limits
        numbers = {
            "groups": size.groups,
            "periods": size.periods,
            "cells": size.cells,
            "max_groups": limits.max_groups,
            "max_cells": limits.max_cells,
        }
        if top is not None and top > limits.max_top:
            numbers.update(top=top, max_top=limits.max_top)
            problem = SpecProblem("breakdown_top", TOP_PROBLEM, numbers)
        elif grouped and size.groups > limits.max_groups:
            problem = SpecProblem("breakdown", GROUPS_PROBLEM, numbers)
        else:
            problem = SpecProblem("time.period", CELLS_PROBLEM, numbers)
        super().__init__([problem])


def period_count(first: dt.date | None, last: dt.date | None, period: str | None) -> int:
    """How many periods the series has, from the first period's start to the last's."""
    if period is None:
        return 1
    if first is None or last is None:
        return 0
    if period == "day":
        return (last - first).days + 1
    if period == "week":
        return (last - first).days // 7 + 1
    months = (last.year - first.year) * 12 + last.month - first.month
    if period == "month":
        return months + 1
    if period == "quarter":
        return months // 3 + 1
    return last.year - first.year + 1


def grid_size(query: CompiledQuery, run: Callable[[str, list[Any]], pa.Table]) -> GridSize:
    """The number of groups and periods the query's series will have: with breakdown_top,
    the groups kept and Other when there are more."""
    if query.size_sql is None:
        return GridSize(1, 1)
    row = run(query.size_sql, query.size_params).to_pylist()[0]
    groups = int(row["groups"]) if query.grouped else 1
    if query.grouped and query.top is not None and groups > query.top:
        groups = query.top + 1
    return GridSize(groups, period_count(row["first"], row["last"], query.period))


def check_grid(
    query: CompiledQuery, run: Callable[[str, list[Any]], pa.Table], limits: GridLimits
) -> GridSize:
    """The grid's size, or GridTooLarge when it exceeds ``limits`` (or breakdown_top keeps
    more groups than they allow, whatever the data)."""
    size = grid_size(query, run)
    top = query.top if query.top is not None and query.top > limits.max_top else None
    if top is not None or size.groups > limits.max_groups or size.cells > limits.max_cells:
        raise GridTooLarge(size, limits, query.grouped, top)
    return size
