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
from typing import Any

import pyarrow as pa

from civiclab.indicators.compile import CompiledQuery
from civiclab.indicators.spec import SpecError, SpecProblem

GROUPS_PROBLEM = (
    "the breakdown has {groups} groups; at most {max_groups} can be shown. Break it down by a "
    "column with fewer values, or keep only the groups you need (the most frequent ones, for "
    "example) with an 'in' filter."
)
CELLS_PROBLEM = (
    "{periods} periods × {groups} groups is {cells} values; at most {max_cells} can be "
    "shown. Choose a coarser period (a month rather than a day, a year rather than a month), "
    "a shorter time span with a filter, or fewer groups."
)


@dataclass(frozen=True)
class GridLimits:
    max_groups: int
    max_cells: int


@dataclass(frozen=True)
class GridSize:
    groups: int
    periods: int

    @property
    def cells(self) -> int:
        return self.groups * self.periods


class GridTooLarge(SpecError):
    """The series would have more groups or cells than the limits allow."""

    def __init__(self, size: GridSize, limits: GridLimits, grouped: bool) -> None:
        self.size = size
        self.limits = limits
        numbers = {
            "groups": size.groups,
            "periods": size.periods,
            "cells": size.cells,
            "max_groups": limits.max_groups,
            "max_cells": limits.max_cells,
        }
        if grouped and size.groups > limits.max_groups:
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
    """The number of groups and periods the query's series will have."""
    if query.size_sql is None:
        return GridSize(1, 1)
    row = run(query.size_sql, query.size_params).to_pylist()[0]
    groups = int(row["groups"]) if query.grouped else 1
    return GridSize(groups, period_count(row["first"], row["last"], query.period))


def check_grid(
    query: CompiledQuery, run: Callable[[str, list[Any]], pa.Table], limits: GridLimits
) -> GridSize:
    """The grid's size, or GridTooLarge when it exceeds ``limits``."""
    size = grid_size(query, run)
    if size.groups > limits.max_groups or size.cells > limits.max_cells:
        raise GridTooLarge(size, limits, query.grouped)
    return size
