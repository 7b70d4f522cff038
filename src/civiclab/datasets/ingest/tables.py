"""Typed Arrow tables → a version file, without writing the rows as text and reading them back.

An analysis that saves rows (proximity matches, the area of each point) already holds them
typed: whole numbers, times with their zone, geometries as WKB, codes of digits as text. A
text round trip would have to guess each type again, and guesses lose (``01234`` read back as
a number, a time read back in the wrong zone). Here each column keeps its type:
:func:`table_columns` says which column type each Arrow column is stored as, and
:func:`write_table` writes the version file as the pipeline does (with ``REFUSED_COLUMN``),
refusing, as an upload would, values the type cannot hold — NaN is not a number, 91 is not a
latitude.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from civiclab.datasets.ingest.columns import (
    REASONS,
    STORAGE_TYPE,
    ColumnSpec,
    ColumnType,
    fetch_row,
    quote_ident,
    quote_literal,
)
from civiclab.datasets.ingest.pipeline import (
    REFUSED_COLUMN,
    ImportSettings,
    TypedOutput,
    check_bad_rows,
    check_column_count,
)
from civiclab.datasets.ingest.report import MAX_EXAMPLES, ImportReport, Problem
from civiclab.lazy_modules import lazy_module

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa
else:
    duckdb = lazy_module("duckdb")
    pa = lazy_module("pyarrow")

TABLE_NAME = "__source_table"
# Whole numbers a DOUBLE holds exactly: an integer column stored as decimal must fit.
EXACT_INTEGER = 2**53

_NUMBERS = (ColumnType.DECIMAL, ColumnType.LATITUDE, ColumnType.LONGITUDE)


def storable_types(arrow_type: pa.DataType) -> tuple[ColumnType, ...]:
    """The column types an Arrow type may be stored as; the first is its own. Empty: none (a
    time without a zone names no instant; lists and structs are not columns of a dataset)."""
    types = pa.types
    if types.is_dictionary(arrow_type):
        return storable_types(arrow_type.value_type)
    if types.is_null(arrow_type):
        # No value at all: any type holds it; text unless told.
        return (ColumnType.TEXT, *(t for t in ColumnType if t is not ColumnType.TEXT))
    if types.is_boolean(arrow_type):
        return (ColumnType.BOOLEAN,)
    if types.is_integer(arrow_type):
        return (ColumnType.INTEGER, *_NUMBERS)
    if types.is_floating(arrow_type):
        return _NUMBERS
    if types.is_string(arrow_type) or types.is_large_string(arrow_type):
        return (ColumnType.TEXT, ColumnType.CATEGORY)
    if types.is_date(arrow_type):
        return (ColumnType.DATE,)
    if types.is_timestamp(arrow_type) and arrow_type.tz is not None:
        return (ColumnType.TIMESTAMP,)
    if types.is_binary(arrow_type) or types.is_large_binary(arrow_type):
        return (ColumnType.GEOMETRY,)  # only geometries (WKB) are stored as bytes
    return ()


def table_columns(schema: pa.Schema, types: Mapping[str, str] | None = None) -> list[ColumnSpec]:
    """Each column of ``schema`` as the dataset will have it: the type ``types`` names for it
    (``category`` for a text column, ``latitude`` for a number…), else its Arrow type's own.

    A type the column's values cannot be (``integer`` for text) is a mistake in the caller,
    refused with ``ValueError`` rather than guessed at.
    """
    names = list(schema.names)
    blank_or_twice = sorted({n for n in names if not n.strip() or names.count(n) > 1})
    if blank_or_twice:
        raise ValueError(f"column names blank or used twice: {blank_or_twice}")
    unknown = sorted(set(types or {}) - set(names))
    if unknown:
        raise ValueError(f"types given for columns the table does not have: {unknown}")
    columns = []
    for field in schema:
        allowed = storable_types(field.type)
        if not allowed:
            raise ValueError(
                f"column {field.name!r} is {field.type}, which no column type holds"
                + (" (give the time zone)" if pa.types.is_timestamp(field.type) else "")
            )
        asked = (types or {}).get(field.name)
        kind = ColumnType(asked) if asked is not None else allowed[0]
        if kind not in allowed:
            raise ValueError(f"column {field.name!r} is {field.type}: it cannot be {kind}")
        columns.append(ColumnSpec(field.name, field.name, kind))
    return columns


def _typed(spec: ColumnSpec, arrow_type: pa.DataType) -> str:
    """SQL of the stored value of one column of the table: NULL where it does not fit."""
    column = quote_ident(spec.source)
    storage = STORAGE_TYPE[spec.type]
    if pa.types.is_null(arrow_type):
        return f"CAST(NULL AS {storage})"
    if spec.type is ColumnType.INTEGER:
        return f"TRY_CAST({column} AS BIGINT)"  # an unsigned 64-bit number may not fit
    if spec.type in _NUMBERS:
        value = f"CAST({column} AS DOUBLE)"
        fits = f"isfinite({value})"
        if pa.types.is_integer(arrow_type):
            fits = f"abs({column}) <= {EXACT_INTEGER}"
        if spec.type is not ColumnType.DECIMAL:
            limit = 90 if spec.type is ColumnType.LATITUDE else 180
            fits = f"{fits} AND {value} BETWEEN -{limit} AND {limit}"
        return f"(CASE WHEN {fits} THEN {value} END)"
    return f"CAST({column} AS {storage})"


def write_table(
    con: duckdb.DuckDBPyConnection,
    table: pa.Table,
    columns: list[ColumnSpec],
    settings: ImportSettings,
    work_dir: Path,
) -> TypedOutput:
    """Write ``table`` as a version file in ``work_dir``, its rows in their order; a row with
    a value its column cannot hold is refused (and reported), as in an upload."""
    check_column_count(table.column_names, settings)
    con.register(TABLE_NAME, table)
    # The table is in memory already: keeping its order costs nothing worth saving.
    con.execute("SET preserve_insertion_order = true")
    arrow_types = {field.name: field.type for field in table.schema}
    typed = [_typed(spec, arrow_types[spec.source]) for spec in columns]
    problems = {
        spec.name: f"({quote_ident(spec.source)} IS NOT NULL AND {value} IS NULL)"
        for spec, value in zip(columns, typed, strict=True)
        if spec.type in REASONS and not pa.types.is_null(arrow_types[spec.source])
    }
    outer = [
        f"{value} AS {quote_ident(spec.name)}" for spec, value in zip(columns, typed, strict=True)
    ]
    refused = " OR ".join(problems.values()) or "FALSE"
    path = work_dir / "data.parquet"
    con.execute(
        f"COPY (SELECT {', '.join(outer)}, ({refused}) AS {REFUSED_COLUMN} FROM {TABLE_NAME}) "
        f"TO {quote_literal(str(path))} (FORMAT parquet, ROW_GROUP_SIZE 61440)"
    )
    report = ImportReport()
    if problems:
        _add_problems(con, columns, problems, report)
    check_bad_rows(report, settings, path)
    rows = fetch_row(
        con,
        f"SELECT count(*) FROM read_parquet({quote_literal(str(path))}) WHERE NOT {REFUSED_COLUMN}",
    )[0]
    return TypedOutput(path=path, columns=columns, rows=rows, report=report)


def _add_problems(
    con: duckdb.DuckDBPyConnection,
    columns: list[ColumnSpec],
    problems: dict[str, str],
    report: ImportReport,
) -> None:
    """Which rows, columns and values were refused (rows count from 1)."""
    numbered = f"(SELECT row_number() OVER () AS __row, * FROM {TABLE_NAME})"
    report.bad_rows = fetch_row(
        con, f"SELECT count(*) FROM {numbered} WHERE {' OR '.join(problems.values())}"
    )[0]
    for spec in columns:
        if spec.name not in problems:
            continue
        where = problems[spec.name]
        count = fetch_row(con, f"SELECT count(*) FROM {numbered} WHERE {where}")[0]
        if not count:
            continue
        template = REASONS[spec.type]
        report.tally(Problem(template), count)
        examples = con.execute(
            f"SELECT __row, CAST({quote_ident(spec.source)} AS VARCHAR) FROM {numbered} "
            f"WHERE {where} ORDER BY __row LIMIT {MAX_EXAMPLES}"
        ).fetchall()
        for row, value in examples:
            if len(report.examples) < MAX_EXAMPLES:
                report.examples.append(Problem(template, int(row), spec.name, value))
