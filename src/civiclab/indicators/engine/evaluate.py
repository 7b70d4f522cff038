"""Run a compiled indicator and lay its rows on the full grid of periods × groups.

The query returns one row per period and group that has data; the series holds every period
from the first to the last (and, with a breakdown, every group in every period), empty cells
being 0 for counts and sums and empty otherwise. The grid is filled with numpy, in columns:
a breakdown over five years of months and 19,000 groups is a million cells, and building a
million Python objects would cost more than the query itself. Points are made on demand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, overload

from civiclab.indicators.engine.compile import CompiledQuery, compile_spec
from civiclab.indicators.engine.grid import GridLimits, check_grid
from civiclab.indicators.engine.spec import IndicatorSpec
from civiclab.lazy_modules import lazy_module

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
else:
    np = lazy_module("numpy")
    pa = lazy_module("pyarrow")
    pc = lazy_module("pyarrow.compute")

RunQuery = Callable[[str, list[Any]], "pa.Table"]  # quoted: pyarrow loads on first use
MAX_SPAN_DAYS = 200 * 366


class Point(NamedTuple):
    """One value of a series."""

    period: str | None
    value: float | None
    n: int
    group: str | None = None
    start: dt.date | None = None
    # The group gathering every group beyond breakdown_top (its ``group`` is None): a flag,
    # not a label, so that no real value can be mistaken for it.
    other: bool = False

    def as_dict(self, with_group: bool) -> dict[str, Any]:
        item: dict[str, Any] = {"period": self.period, "value": self.value, "n": self.n}
        if with_group:
            item["group"] = self.group
        if self.other:  # only on Other's points: a series without breakdown_top is unchanged
            item["other"] = True
        return item


def period_label(start: dt.date | None, period: str | None) -> str | None:
    """How a period is written: 2024-03-04, 2024-W10 (ISO week), 2024-03, 2024-Q1, 2024."""
    if start is None or period is None:
        return None
    if period == "day":
        return start.isoformat()
    if period == "week":
        year, week, _day = start.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{start.year}-{start.month:02d}"
    if period == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


@dataclass(frozen=True, eq=False)
class Series(Sequence[Point]):
    """An indicator's series as a grid: ``values[i, j]`` is period i, group j (NaN: empty).

    A sequence of :class:`Point` in order of period, then group (no group first, Other
    last). With ``other``, the last group is Other (breakdown_top), its label None.
    """

    starts: list[dt.date | None]
    periods: list[str | None]
    groups: list[str | None]
    values: np.ndarray
    counts: np.ndarray
    other: bool = False

    def __len__(self) -> int:
        return len(self.starts) * len(self.groups)

    @overload
    def __getitem__(self, index: int) -> Point: ...

    @overload
    def __getitem__(self, index: slice) -> list[Point]: ...

    def __getitem__(self, index: int | slice) -> Point | list[Point]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        row, column = divmod(index, len(self.groups))
        return self._point(row, column, self.values[row, column].item())

    def __iter__(self) -> Iterator[Point]:
        # tolist() turns a whole row into Python numbers at C speed.
        for row, values in enumerate(self.values.tolist()):
            counts = self.counts[row].tolist()
            period, start = self.periods[row], self.starts[row]
            other = len(values) - 1 if self.other else -1
            for column, value in enumerate(values):
                yield Point(
                    period, None if value != value else value, counts[column],
                    self.groups[column], start, column == other,
                )  # fmt: skip

    def _point(self, row: int, column: int, value: Any) -> Point:
        return Point(
            self.periods[row],
            None if value != value else value,  # NaN is an empty cell
            int(self.counts[row, column]),
            self.groups[column],
            self.starts[row],
            self.other and column == len(self.groups) - 1,
        )


def evaluate(
    spec: IndicatorSpec,
    columns: dict[str, str],
    timezone: str,
    run: RunQuery,
    population: int | None = None,
    limits: GridLimits | None = None,
) -> Series:
    """The indicator's series: every period (and group), in order. With ``limits``, the
    grid's size is counted first and a grid over them is a :class:`GridTooLarge`."""
    query = compile_spec(spec, columns, timezone, population=population)
    if limits is not None:
        check_grid(query, run, limits)
    return lay_out(query, run(query.sql, query.params))


def lay_out(query: CompiledQuery, table: pa.Table) -> Series:
    """Place the query's rows (start, value, n, group columns…) on the grid of periods ×
    groups."""
    table = table.combine_chunks()
    if table.num_rows == 0:
        empty = np.empty((0, 0))
        return Series([], [], [], empty, empty.astype(np.int64))
    row_of, starts = _period_rows(table.column("start"), query.period)
    group_columns = [
        table.column(name) for name in table.column_names if name.startswith("__group")
    ]
    other = table.column("__other") if "__other" in table.column_names else None
    column_of, groups, has_other = _group_columns(group_columns, other)
    values = _numbers(table.column("value"))
    integral = values.dtype.kind == "i"
    fill = 0 if query.zero_when_empty else np.nan
    grid = np.full((len(starts), len(groups)), fill, dtype=np.int64 if integral else np.float64)
    counts = np.zeros(grid.shape, dtype=np.int64)
    grid[row_of, column_of] = values
    counts[row_of, column_of] = _numbers(table.column("n"))
    periods = [period_label(start, query.period) for start in starts]
    return Series(starts, periods, groups, grid, counts, has_other)


def _period_rows(
    column: pa.ChunkedArray, period: str | None
) -> tuple[np.ndarray, list[dt.date | None]]:
    """Each row's period index, and the start of every period from the first to the last."""
    if period is None:  # one period: the whole time
        return np.zeros(len(column), dtype=np.int64), [None]
    days = pc.cast(column, pa.int32()).to_numpy().astype(np.int64)  # since 1970-01-01
    unit = {"day": "D", "week": "D", "month": "M", "quarter": "M", "year": "Y"}[period]
    size = {"week": 7, "quarter": 3}.get(period, 1)
    low, high = int(days.min()), int(days.max())
    if high - low <= MAX_SPAN_DAYS:  # calendar arithmetic once per day of the span
        span = np.arange(low, high + 1).astype("datetime64[D]")
        steps = span.astype(f"datetime64[{unit}]").astype(np.int64)[days - low]
    else:  # dates centuries apart: once per row
        steps = days.astype("datetime64[D]").astype(f"datetime64[{unit}]").astype(np.int64)
    # Period starts are aligned (Mondays, first months of quarters), so steps divide exactly.
    first = int(steps.min())
    rows = (steps - first) // size
    count = int(rows.max()) + 1
    starts = (first + size * np.arange(count)).astype(f"datetime64[{unit}]")
    return rows, starts.astype("datetime64[D]").astype(dt.date).tolist()


def _group_columns(
    columns: list[pa.ChunkedArray], other: pa.ChunkedArray | None = None
) -> tuple[np.ndarray, list[str | None], bool]:
    """Each row's group index, the groups in order (no group first, then by label, Other
    last), and whether the last is Other.

    A group is the breakdown columns' values joined by " / "; a row missing any of them is in
    no group. Rows are numbered by their combination of per-column codes (mixed radix), so
    only the distinct combinations are ever turned into labels. Other's rows (``other``
    true) have NULL group columns, like the rows with no value: they are told apart here.
    """
    in_other = (
        np.zeros(len(columns[0]), dtype=bool)
        if other is None
        else pc.fill_null(other, False).to_numpy(zero_copy_only=False).astype(bool)
    )
    if not in_other.any():
        column_of, labels = _labelled_groups(columns)
        return column_of, labels, False
    # The kept groups are labelled from their own rows; Other takes the last place.
    named = ~in_other
    column_of = np.zeros(len(in_other), dtype=np.int64)
    groups: list[str | None] = []
    if named.any():
        mask = pa.array(named)
        column_of[named], groups = _labelled_groups([column.filter(mask) for column in columns])
    column_of[in_other] = len(groups)
    return column_of, [*groups, None], True


def _labelled_groups(columns: list[pa.ChunkedArray]) -> tuple[np.ndarray, list[str | None]]:
    """Each row's group index and the groups in order, for rows of named groups."""
    combination = np.zeros(len(columns[0]), dtype=np.int64)
    dictionaries: list[list[str | None]] = []
    size = 1
    for column in columns:
        encoded = column.dictionary_encode(null_encoding="encode").combine_chunks()
        dictionary: list[str | None] = encoded.dictionary.to_pylist()
        combination = combination * len(dictionary) + encoded.indices.to_numpy()
        dictionaries.append(dictionary)
        size *= len(dictionary)
    if size <= 4 * len(combination) + 1024:  # a lookup table no bigger than the rows
        seen = np.zeros(size, dtype=bool)
        seen[combination] = True
        distinct = np.flatnonzero(seen)
        slot = np.empty(size, dtype=np.int64)
        slot[distinct] = np.arange(len(distinct))
        position = slot[combination]
    else:
        distinct, position = np.unique(combination, return_inverse=True)
    labels = [_label(int(code), dictionaries) for code in distinct]
    # A missing value makes all of a row's keys NULL (see compile), so None is one group.
    order = sorted(range(len(labels)), key=lambda i: (labels[i] is not None, labels[i] or ""))
    rank = np.empty(len(labels), dtype=np.int64)
    rank[order] = np.arange(len(labels))
    return rank[position], [labels[i] for i in order]


def _label(code: int, dictionaries: list[list[str | None]]) -> str | None:
    parts: list[str | None] = []
    for dictionary in reversed(dictionaries):
        code, index = divmod(code, len(dictionary))
        parts.append(dictionary[index])
    if any(part is None for part in parts):
        return None
    return " / ".join(reversed(parts))  # type: ignore[arg-type]


def _numbers(column: pa.ChunkedArray) -> np.ndarray:
    """A numeric column as numpy: integers stay integers, empty values become NaN."""
    kind = column.type
    if pa.types.is_decimal(kind):  # DuckDB's 128-bit sums of integers
        kind = pa.int64() if kind.scale == 0 else pa.float64()
        column = pc.cast(column, kind)
    if pa.types.is_integer(kind) and column.null_count == 0:
        integers: np.ndarray = column.to_numpy().astype(np.int64)
        return integers
    floats: np.ndarray = pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
    return floats
