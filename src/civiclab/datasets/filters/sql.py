"""Filters → a parameterised DuckDB condition. User values never enter the SQL text: column
names are checked against the dataset and quoted, values are ``$n`` parameters, and dates and
times are read in the city's time zone."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from civiclab.datasets.filters.language import Filter, SpecError, SpecProblem, local_span
from civiclab.datasets.ingest.columns import quote_ident

# Problems, as English templates that are also the keys of their translations.
NO_COLUMN = "the dataset has no column '{column}'"
WRONG_KIND = "column '{column}' is {kind}, not {wanted}"
TIME_VALUE_PROBLEM = (
    "a time column needs a date such as 2018-01-31 or a local date and time such as "
    "2018-01-31T19:00"
)


class FilterCompiler:
    """Builds conditions over a dataset's ``columns`` (name → civiclab column type), keeping
    the parameters they use, the columns they read and the problems found on the way; the
    indicator compiler builds its measures on it."""

    def __init__(self, columns: dict[str, str], timezone: str) -> None:
        self.columns = columns
        self.timezone = timezone
        self.params: list[Any] = []
        self.problems: list[SpecProblem] = []
        self.used: list[str] = []  # columns the query reads, in order

    def column(self, name: str, path: str, kinds: set[str] | None = None) -> str:
        """``name`` quoted; a problem when the dataset lacks it or it is not of ``kinds``."""
        if name not in self.used:
            self.used.append(name)
        kind = self.columns.get(name)
        if kind is None:
            self.problems.append(SpecProblem(path, NO_COLUMN, {"column": name}))
        elif kinds is not None and kind not in kinds:
            wanted = " or ".join(sorted(kinds))
            self.problems.append(
                SpecProblem(path, WRONG_KIND, {"column": name, "kind": kind, "wanted": wanted})
            )
        return quote_ident(name)

    def param(self, value: Any) -> str:
        """A new parameter holding ``value``, as its ``$n``."""
        self.params.append(value)
        return f"${len(self.params)}"

    def condition(self, filters: Sequence[Filter], path: str) -> str:
        """Every filter's condition, joined by AND (TRUE when there are none)."""
        parts = []
        for i, item in enumerate(filters):
            column = self.column(item.column, f"{path}.{i}.column")
            op = item.op
            if self.columns.get(item.column) == "timestamp":
                parts.append(self.time_condition(column, item, f"{path}.{i}.value"))
            elif op in ("=", "!="):
                parts.append(f"{column} {op} {self.param(item.value)}")
            elif op in ("in", "not in"):
                values = ", ".join(self.param(v) for v in item.value)  # type: ignore[union-attr]
                parts.append(f"{column} {op.upper()} ({values})")
            elif op == "between":
                low, high = item.value  # type: ignore[misc,str-unpack]
                parts.append(f"{column} BETWEEN {self.param(low)} AND {self.param(high)}")
            elif op == "is null":
                parts.append(f"{column} IS NULL")
            elif op == "is not null":
                parts.append(f"{column} IS NOT NULL")
            else:  # contains: a literal, case-insensitive substring
                needle = self.param(str(item.value).lower())
                parts.append(f"contains(lower(CAST({column} AS VARCHAR)), {needle})")
        return " AND ".join(parts) if parts else "TRUE"

    def time_condition(self, column: str, item: Filter, path: str) -> str:
        """A filter on a timestamp column, its dates and times read in the city's time zone.

        A date alone stands for the whole local day: ``= 2018-01-31`` keeps that day, and
        ``between [2018-01-01, 2018-01-31]`` runs to the end of 31 January. A date and time
        without an offset is a local time; one with an offset (``Z``, ``-05:00``) is that
        instant. Bounds are passed as instants with their offset, never as text for the
        engine to read in its own (UTC) zone.
        """
        op = item.op
        if op == "is null":
            return f"{column} IS NULL"
        if op == "is not null":
            return f"{column} IS NOT NULL"
        if op == "contains":  # the text of the local time, as the rows table shows it
            needle = self.param(str(item.value).lower())
            local = f"timezone({self.param(self.timezone)}, {column})"
            return f"contains(lower(CAST({local} AS VARCHAR)), {needle})"
        values = item.value if isinstance(item.value, list) else [item.value]
        spans = [local_span(value, self.timezone) for value in values]
        if any(span is None for span in spans):
            self.problems.append(SpecProblem(path, TIME_VALUE_PROBLEM))
            return "FALSE"
        if op == "between":
            (low, _low_end), (high, high_end) = spans  # type: ignore[misc]
            upper = (
                f"{column} < {self.instant(high_end)}"
                if high_end
                else (f"{column} <= {self.instant(high)}")
            )
            return f"({column} >= {self.instant(low)} AND {upper})"
        matches = " OR ".join(self.within(column, span) for span in spans)  # type: ignore[arg-type]
        if op in ("=", "in"):
            return f"({matches})"
        return f"NOT ({matches})"  # != and not in; a row with no time is kept by neither

    def within(self, column: str, span: tuple[str, str | None]) -> str:
        start, end = span
        if end is None:
            return f"{column} = {self.instant(start)}"
        return f"({column} >= {self.instant(start)} AND {column} < {self.instant(end)})"

    def instant(self, iso: str) -> str:
        return f"CAST({self.param(iso)} AS TIMESTAMPTZ)"


def compile_filters(
    filters: Sequence[Filter], columns: dict[str, str], *, timezone: str
) -> tuple[str, list[Any]]:
    """The SQL condition for ``filters`` and its ``$n`` parameters, on their own (maps use the
    indicators' filters). Column names are checked and quoted; dates and times are read in
    ``timezone`` (the city's); a problem is a SpecError."""
    compiler = FilterCompiler(columns, timezone)
    sql = compiler.condition(filters, "filters")
    if compiler.problems:
        raise SpecError(compiler.problems)
    return sql, compiler.params
