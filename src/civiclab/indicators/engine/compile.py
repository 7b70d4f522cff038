"""Indicator spec → one parameterised DuckDB query. User values never enter the SQL text:
column names are checked against the dataset and quoted, values are parameters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from civiclab.datasets.filters.language import NUMERIC, TEMPORAL, SpecError, SpecProblem
from civiclab.datasets.filters.sql import FilterCompiler
from civiclab.datasets.ingest.columns import quote_ident
from civiclab.indicators.engine.spec import (
    ColumnStat,
    Count,
    CountDistinct,
    Duration,
    IndicatorSpec,
    Measure,
    PerCapita,
    Percentile,
    Ratio,
    Share,
)

# Problems, as English templates that are also the keys of their translations (the filters'
# own are in datasets/filters/sql.py).
NO_POPULATION = "no population: give one or set the city's"
NESTED = "ratios and per-capita measures cannot be nested"
SECONDS_PER = {"minutes": 60, "hours": 3600, "days": 86400}


@dataclass
class CompiledQuery:
    """The query and its parameters. Its rows are (period start, value, n, group column 1, 2,
    …), one per period and group that has rows, in no order: :mod:`evaluate` lays them on the
    full grid of periods × groups, so empty cells cost no SQL work. A group is the breakdown
    columns' values as text; they are joined into one label after the query, which is cheaper
    than joining them for every row."""

    sql: str
    params: list[Any] = field(default_factory=list)
    zero_when_empty: bool = False
    period: str | None = None
    grouped: bool = False
    # (groups, first period, last period) of the rows, with the same parameters: how big the
    # grid will be, known from one cheap scan before any cell is computed.
    size_sql: str | None = None
    size_params: list[Any] = field(default_factory=list)
    # breakdown_top: only this many groups are kept; the rows of the others are one group,
    # marked by the column ``__other`` (its group columns are NULL).
    top: int | None = None

    def shown(self) -> str:
        """The SQL with its parameters listed, for the "Show SQL" panel."""
        listed = "\n".join(f"-- ${i} = {value!r}" for i, value in enumerate(self.params, 1))
        fill = "0" if self.zero_when_empty else "empty"
        note = (
            "-- Periods between the first and the last with no rows"
            + (", and groups with no rows in a period," if self.grouped else "")
            + f" are then added as {fill}."
        )
        if self.top is not None:
            note += (
                f"\n-- Only the {self.top} groups with the most rows are kept; the rows of the "
                "others are one group, Other (__other)."
            )
        parts = [self.sql, listed, note if self.period or self.top is not None else ""]
        return "\n".join(part for part in parts if part)


class _Builder(FilterCompiler):
    """The filter compiler (columns, parameters, conditions) with the spec's measures."""

    # -- measures ---------------------------------------------------------------------------
    def aggregate(self, measure: Measure, where: str, path: str) -> tuple[str, str, bool]:
        """(value SQL, n SQL, zero when empty) for a measure over rows matching ``where``."""
        only = f" FILTER (WHERE {where})" if where != "TRUE" else ""
        counted = f"count(*){only}"
        if isinstance(measure, Count):
            return counted, counted, True
        if isinstance(measure, CountDistinct):
            column = self.column(measure.column, f"{path}.column")
            return f"count(DISTINCT {column}){only}", counted, True
        if isinstance(measure, ColumnStat):
            column = self.column(measure.column, f"{path}.column", NUMERIC)
            function = {"sum": "sum", "mean": "avg", "median": "median"}[measure.type]
            present = self._and(where, f"{column} IS NOT NULL")
            value = f"{function}({column}){only}"
            if measure.type == "sum":
                value = f"coalesce({value}, 0)"
            return value, f"count(*) FILTER (WHERE {present})", measure.type == "sum"
        if isinstance(measure, Percentile):
            column = self.column(measure.column, f"{path}.column", NUMERIC)
            present = self._and(where, f"{column} IS NOT NULL")
            fraction = self.param(measure.p / 100)
            return (
                f"quantile_cont({column}, {fraction}){only}",
                f"count(*) FILTER (WHERE {present})",
                False,
            )
        if isinstance(measure, Share):
            matching = self.condition(measure.where, f"{path}.where")
            hits = f"count(*) FILTER (WHERE {self._and(where, matching)})"
            return f"({hits}::DOUBLE / NULLIF({counted}, 0))", counted, False
        if isinstance(measure, Duration):
            start = self.column(measure.start, f"{path}.start", TEMPORAL)
            end = self.column(measure.end, f"{path}.end", TEMPORAL)
            seconds = SECONDS_PER[measure.unit]
            span = f"((epoch({end}) - epoch({start})) / {seconds})"
            present = self._and(where, f"{start} IS NOT NULL AND {end} IS NOT NULL")
            within = f" FILTER (WHERE {present})"
            if measure.stat == "median":
                value = f"median({span}){within}"
            elif measure.stat == "mean":
                value = f"avg({span}){within}"
            else:
                p = 90.0 if measure.stat == "p90" else float(measure.p or 90)
                value = f"quantile_cont({span}, {self.param(p / 100)}){within}"
            return value, f"count(*){within}", False
        if isinstance(measure, Ratio):
            top_where = self._and(
                where, self.condition(measure.numerator_filters, f"{path}.numerator_filters")
            )
            bottom_where = self._and(
                where, self.condition(measure.denominator_filters, f"{path}.denominator_filters")
            )
            top, _n, _zero = self.simple(measure.numerator, top_where, f"{path}.numerator")
            bottom, n, _zero = self.simple(measure.denominator, bottom_where, f"{path}.denominator")
            return f"(({top})::DOUBLE / NULLIF(({bottom}), 0))", n, False
        if isinstance(measure, PerCapita):
            value, n, zero = self.simple(measure.of, where, f"{path}.of")
            population = measure.population or self.spec_population()
            if not population:
                self.problems.append(SpecProblem(f"{path}.population", NO_POPULATION))
                population = 1
            scale = self.param(measure.per / population)
            return f"(({value}) * {scale})", n, zero
        raise SpecError([(path, f"unsupported measure {measure!r}")])

    def simple(self, measure: Measure, where: str, path: str) -> tuple[str, str, bool]:
        if isinstance(measure, Ratio | PerCapita):
            self.problems.append(SpecProblem(path, NESTED))
        return self.aggregate(measure, where, path)

    city_population: int | None = None

    def spec_population(self) -> int | None:
        return self.city_population

    @staticmethod
    def _and(left: str, right: str) -> str:
        if left == "TRUE":
            return right
        if right == "TRUE":
            return left
        return f"({left}) AND ({right})"


def compile_spec(
    spec: IndicatorSpec,
    columns: dict[str, str],
    timezone: str,
    *,
    table: str | None = None,
    population: int | None = None,
) -> CompiledQuery:
    """The query computing ``spec`` over the dataset view (default: named after the dataset).

    ``columns`` maps the dataset's column names to civiclab column types. Time periods are
    taken in ``timezone`` (the city's) and every period between the first and the last is
    present; a breakdown crosses them with every group.
    """
    builder = _Builder(columns, timezone)
    builder.city_population = population
    where = builder.condition(spec.filters, "filters")
    value, n, zero = builder.aggregate(spec.measure, "TRUE", "measure")
    period = "CAST(NULL AS DATE)"
    if spec.time is not None:
        column = builder.column(spec.time.column, "time.column", TEMPORAL)
        local = (
            f"timezone({builder.param(timezone)}, {column})"
            if columns.get(spec.time.column) == "timestamp"
            else column
        )
        period = f"CAST(date_trunc('{spec.time.period}', {local}) AS DATE)"
    groups = ["CAST(NULL AS VARCHAR)"]
    if spec.breakdown:
        names = [spec.breakdown] if isinstance(spec.breakdown, str) else spec.breakdown
        columns_used = [builder.column(name, "breakdown") for name in names]
        groups = [f"CAST({column} AS VARCHAR)" for column in columns_used]
        if len(groups) > 1:
            # A row missing any of the columns belongs to no group: all its keys are NULL.
            missing = " OR ".join(f"{column} IS NULL" for column in columns_used)
            groups = [f"CASE WHEN {missing} THEN NULL ELSE {group} END" for group in groups]
    if builder.problems:
        raise SpecError(builder.problems)
    source = quote_ident(table or spec.dataset)
    time_present = (
        f" AND {quote_ident(spec.time.column)} IS NOT NULL" if spec.time is not None else ""
    )
    # Only the columns the measure reads, under names that cannot clash with them.
    wanted = ", ".join(quote_ident(name) for name in builder.used)
    keys = [f"{group} AS __group{i}" for i, group in enumerate(groups, 1)]
    base = (
        f"SELECT {wanted + ', ' if wanted else ''}{period} AS __period, {', '.join(keys)} "
        f"FROM {source} WHERE ({where}){time_present}"
    )
    group_names = [f"__group{i}" for i in range(1, len(groups) + 1)]
    # With neither periods nor groups there is one answer, even over no rows (a count of 0).
    grouping = " GROUP BY ALL" if spec.time is not None or spec.breakdown else ""
    key = (
        ", ".join(["__period", *group_names])
        if grouping
        else "CAST(NULL AS DATE) AS __period, CAST(NULL AS VARCHAR) AS __group1"
    )
    top = spec.breakdown_top if spec.breakdown else None
    rows = "base"
    relabelled = ""
    if top is not None:
        relabelled = _top_groups(group_names, builder.param(top))
        rows, key = "relabelled", f"{key}, __other"
        group_names = [*group_names, "__other"]
    aggregated = f"SELECT {key}, {value} AS value, {n} AS n FROM {rows}{grouping}"
    # NaN or infinity (a ratio over nothing) is no value.
    sql = (
        f"WITH base AS ({base}),\n{relabelled}agg AS ({aggregated})\n"
        "SELECT __period AS start, "
        "CASE WHEN isfinite(CAST(value AS DOUBLE)) THEN value END AS value, n, "
        f"{', '.join(group_names)} FROM agg"
    )
    group_names = [name for name in group_names if name != "__other"]
    distinct = f"SELECT DISTINCT {', '.join(group_names)} FROM base"
    # The rows' filter uses only some of the parameters (the measure's are left out), and a
    # prepared statement must be given exactly those it uses: they are renumbered.
    size_base, size_params = _only_used_params(base, builder.params)
    size_sql = (
        f"WITH base AS ({size_base})\nSELECT (SELECT count(*) FROM ({distinct})) AS groups, "
        "min(__period) AS first, max(__period) AS last FROM base"
    )
    return CompiledQuery(
        sql=sql,
        params=builder.params,
        zero_when_empty=zero,
        period=spec.time.period if spec.time else None,
        grouped=bool(spec.breakdown),
        size_sql=size_sql,
        size_params=size_params,
        top=top,
    )


def _top_groups(group_names: list[str], top: str) -> str:
    """The CTEs ``ranked`` and ``relabelled``: each group ranked by its rows over the whole
    series (ties by its values, no value after any value), and the rows with the groups
    beyond ``top`` (a parameter) relabelled as one, ``__other``, whose group columns are NULL.

    Other is a flag rather than a label so that it cannot be mistaken for a group whose
    value is "Other"; the measure is then computed over the relabelled groups like any other
    group, so a median of Other is the median of its rows, not of its groups' medians.
    """
    keys = ", ".join(group_names)
    order = ", ".join(f"{name} ASC NULLS LAST" for name in group_names)
    same = " AND ".join(f"base.{name} IS NOT DISTINCT FROM ranked.{name}" for name in group_names)
    kept = ", ".join(
        f"CASE WHEN ranked.__rank <= {top} THEN base.{name} END AS {name}" for name in group_names
    )
    return (
        f"ranked AS (SELECT {keys}, row_number() OVER (ORDER BY count(*) DESC, {order}) "
        f"AS __rank FROM base GROUP BY {keys}),\n"
        f"relabelled AS (SELECT base.* EXCLUDE ({keys}), {kept}, ranked.__rank > {top} "
        f"AS __other FROM base JOIN ranked ON {same}),\n"
    )


# A quoted identifier (skipped: a column may be named "$1") or a parameter.
_IDENT_OR_PARAM = re.compile(r'"(?:[^"]|"")*"|\$(\d+)')


def _only_used_params(sql: str, params: list[Any]) -> tuple[str, list[Any]]:
    """``sql`` with its ``$n`` renumbered 1, 2, … in order of first use, and their values."""
    numbers: dict[int, int] = {}

    def renumber(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group(0)
        old = int(match.group(1))
        numbers.setdefault(old, len(numbers) + 1)
        return f"${numbers[old]}"

    text = _IDENT_OR_PARAM.sub(renumber, sql)
    return text, [params[old - 1] for old in numbers]
