"""Run a compiled indicator and label its periods."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, NamedTuple

from civiclab.indicators.compile import compile_spec
from civiclab.indicators.spec import IndicatorSpec

RunQuery = Callable[[str, list[Any]], list[tuple[Any, ...]]]


class Point(NamedTuple):
    """One value of a series (a named tuple: series can have a million points)."""

    period: str | None
    value: float | None
    n: int
    group: str | None = None
    start: dt.date | None = None

    def as_dict(self, with_group: bool) -> dict[str, Any]:
        item: dict[str, Any] = {"period": self.period, "value": self.value, "n": self.n}
        if with_group:
            item["group"] = self.group
        return item


def evaluate(
    spec: IndicatorSpec,
    columns: dict[str, str],
    timezone: str,
    run: RunQuery,
    population: int | None = None,
) -> list[Point]:
    """The indicator's series: one point per period (and group), in order.

    The query labels the periods and cleans impossible values itself, so a series of a
    million points becomes Python objects without per-row work.
    """
    query = compile_spec(spec, columns, timezone, population=population)
    return list(map(Point._make, run(query.sql, query.params)))
