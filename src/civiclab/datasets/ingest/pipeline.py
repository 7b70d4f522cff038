"""Raw text columns → typed Parquet in one pass, with bad rows counted, explained, kept out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from civiclab.datasets.ingest.columns import (
    DECIMAL_COMMA,
    NUMBER_FORMATS,
    REASONS,
    REASONS_IN_FORMAT,
    ColumnSpec,
    ColumnType,
    cast_expr,
    clean_expr,
    fetch_row,
    problem_expr,
    quote_ident,
    quote_literal,
)
from civiclab.datasets.ingest.infer import infer_columns
from civiclab.datasets.ingest.report import (
    MAX_EXAMPLES,
    ImportReport,
    IngestError,
    Param,
    Problem,
    english,
    source_problem,
)
from civiclab.datasets.ingest.sources import RawSource
from civiclab.lazy_modules import lazy_module

if TYPE_CHECKING:
    import duckdb
else:
    duckdb = lazy_module("duckdb")

ProgressCallback = Callable[[str, float], None]

# Every version file has this boolean column: rows it marks were refused and are not part of
# the dataset. Readers go through ``dataset_relation``, which leaves them out.
REFUSED_COLUMN = "__civiclab_refused"

REJECT_REASONS = {
    "MISSING COLUMNS": english("the row has fewer fields than the header"),
    "TOO MANY COLUMNS": english("the row has more fields than the header"),
    "UNQUOTED VALUE": english("a quote is not closed or is misplaced"),
    "LINE SIZE OVER MAXIMUM": english("the line is longer than 10 MB"),
    "INVALID UNICODE": english("bytes that are not valid UTF-8"),
    "INVALID ENCODING": english("bytes that are not valid UTF-8"),
    "CAST ERROR": english("a value could not be read"),
}
# A kind of broken line DuckDB may add later: its own words, inside a translated sentence.
OTHER_REJECT = english("the row cannot be read ({kind})")


@dataclass
class ImportSettings:
    timezone: str = "UTC"
    day_first: bool = False
    # Numbers may be written with a decimal comma (12,5 · 1 234,5): French-language cities.
    decimal_comma: bool = False
    max_bad_rows: int = 0
    # Typing thousands of columns takes minutes and the engine's memory: refused beyond this.
    max_columns: int = 500
    memory_limit: str = "700MB"
    threads: int = 2
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class TypedOutput:
    """The typed Parquet file of the rows that fit, and what was refused."""

    path: Path
    columns: list[ColumnSpec]
    rows: int
    report: ImportReport


def ingest_connection(settings: ImportSettings) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"SET memory_limit = {quote_literal(settings.memory_limit)}")
    con.execute(f"SET threads = {int(settings.threads)}")
    con.execute("SET TimeZone = 'UTC'")
    # Row order within a file is kept by the reader; letting DuckDB write out of order
    # is what keeps a multi-gigabyte copy inside the memory limit.
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")
    return con


def dataset_relation(path: Path) -> str:
    """The table expression for a stored version: its accepted rows, without the flag."""
    return (
        f"(SELECT * EXCLUDE ({REFUSED_COLUMN}) FROM read_parquet({quote_literal(str(path))}) "
        f"WHERE NOT {REFUSED_COLUMN})"
    )


def plan_columns(
    con: duckdb.DuckDBPyConnection, source: RawSource, settings: ImportSettings
) -> list[ColumnSpec]:
    """Inferred types for the source's text columns, the source's own for the rest, then the
    user's overrides (type, name, format, null markers) on top."""
    check_column_count(source.columns, settings)
    text_columns = [c for c in source.columns if c not in source.known]
    inferred = (
        {
            spec.source: spec
            for spec in infer_columns(
                con,
                source.from_sql,
                text_columns,
                day_first=settings.day_first,
                decimal_comma=settings.decimal_comma,
            )
        }
        if text_columns
        else {}
    )
    specs = [source.known.get(c) or inferred[c] for c in source.columns]
    return apply_overrides(specs, settings.overrides)


def check_column_count(columns: Sequence[str], settings: ImportSettings) -> None:
    """Refuse a file with more columns than one import may have, before any work on them."""
    if len(columns) > settings.max_columns:
        raise IngestError(
            "The file has {columns} columns, more than the {limit} one import may have "
            "(CIVICLAB_MAX_IMPORT_COLUMNS): nothing was imported. Keep the columns you need, "
            "or split the file.",
            code="too_many_columns",
            params={"columns": len(columns), "limit": settings.max_columns},
        )


def apply_overrides(
    specs: list[ColumnSpec], overrides: dict[str, dict[str, Any]]
) -> list[ColumnSpec]:
    by_source = {spec.source: spec for spec in specs}
    unknown = sorted(set(overrides) - set(by_source))
    if unknown:
        raise IngestError(
            "Column(s) {unknown} are not in the file; it has {columns}.",
            code="override",
            params={
                "unknown": ", ".join(map(repr, unknown)),
                "columns": ", ".join(map(repr, by_source)),
            },
        )
    result = []
    for spec in specs:
        change = dict(overrides.get(spec.source, {}))
        if "type" in change:
            try:
                change["type"] = ColumnType(change["type"])
            except ValueError:
                raise IngestError(
                    "{type!r} is not a column type (column {column!r}); use one of {types}.",
                    code="override",
                    params={
                        "type": str(change["type"]),
                        "column": spec.source,
                        "types": ", ".join(t.value for t in ColumnType),
                    },
                ) from None
            if change["type"] is ColumnType.GEOMETRY and spec.type is not ColumnType.GEOMETRY:
                raise IngestError(
                    "Column {column!r} holds text, not geometries.",
                    code="override",
                    params={"column": spec.source},
                )
        if "null_markers" in change:
            change["null_markers"] = tuple(change["null_markers"])
        changed = spec.with_changes(**change) if change else spec
        if (
            changed.format in NUMBER_FORMATS
            and "type" not in change
            and changed.type not in NUMBER_TYPES
        ):
            # A number format chosen for a column read as text makes it a number.
            changed = changed.with_changes(type=ColumnType.DECIMAL)
        result.append(_format_that_applies(changed, explicit="format" in change))
    names = [spec.name.strip() for spec in result]
    for name in names:
        if not name or names.count(name) > 1:
            raise IngestError(
                "Column name {name!r} is blank or used twice after renaming.",
                code="override",
                params={"name": name},
            )
    return result


NUMBER_TYPES = (ColumnType.INTEGER, ColumnType.DECIMAL, ColumnType.LATITUDE, ColumnType.LONGITUDE)


def _format_that_applies(spec: ColumnSpec, *, explicit: bool) -> ColumnSpec:
    """A date format left over on a column retyped as a number (or the reverse) is dropped;
    a number format the user gave must be one civiclab knows."""
    if spec.type in NUMBER_TYPES:
        if spec.format in (None, *NUMBER_FORMATS):
            return spec
        if explicit:
            raise IngestError(
                "{format!r} is not a number format (column {column!r}); leave it empty for "
                "12.5, or use {decimal_comma!r} for 12,5 and 1 234,5.",
                code="override",
                params={
                    "format": str(spec.format),
                    "column": spec.source,
                    "decimal_comma": DECIMAL_COMMA,
                },
            )
        return spec.with_changes(format=None)
    if spec.format in NUMBER_FORMATS:
        return spec.with_changes(format=None)
    return spec


def write_typed(
    con: duckdb.DuckDBPyConnection,
    source: RawSource,
    specs: list[ColumnSpec],
    settings: ImportSettings,
    work_dir: Path,
    progress: ProgressCallback | None = None,
) -> TypedOutput:
    """Cast every row once; rows where a value does not fit go to a separate partition.

    One scan of the source writes both partitions, so a clean file costs about what DuckDB's
    own CSV-to-Parquet copy costs. Only when something was refused is the source read again,
    to say which rows, columns and values.
    """
    # Inner query: each value cast once (c_i) beside its cleaned raw text (r_i); outer query:
    # a row is refused when some r_i is present but its c_i is not.
    inner = []
    outer = []
    problems = []
    for i, spec in enumerate(specs):
        inner.append(f"{cast_expr(spec, settings.timezone)} AS c{i}")
        outer.append(f"c{i} AS {quote_ident(spec.name)}")
        if problem_expr(spec, settings.timezone):
            inner.append(f"{clean_expr(spec)} AS r{i}")
            problems.append(f"(r{i} IS NOT NULL AND c{i} IS NULL)")
    if source.problem_column:
        inner.append(f"{quote_ident(source.problem_column)} AS source_problem")
        problems.append("(source_problem IS NOT NULL)")
    bad = " OR ".join(problems) if problems else "FALSE"
    select = (
        f"SELECT {', '.join(outer)}, ({bad}) AS {REFUSED_COLUMN} "
        f"FROM (SELECT {', '.join(inner)} FROM {source.from_sql})"
    )
    path = work_dir / "data.parquet"
    if progress:
        progress("converting", 0.1)
    # Reject records from the type-inference sample would be counted twice.
    con.execute("DROP TABLE IF EXISTS reject_errors")
    con.execute("DROP TABLE IF EXISTS reject_scans")
    # One scan writes every row with a flag saying whether it fits; refused rows stay in the
    # file but outside the dataset (see REFUSED_COLUMN), which saves a second full copy.
    # Smaller row groups than the default halve the writer's buffers (peak memory).
    con.execute(
        f"COPY ({select}) TO {quote_literal(str(path))} (FORMAT parquet, ROW_GROUP_SIZE 61440)"
    )
    relation = f"read_parquet({quote_literal(str(path))})"
    rows, refused = fetch_row(
        con,
        f"SELECT count(*) FILTER (NOT {REFUSED_COLUMN}), count(*) FILTER ({REFUSED_COLUMN}) "
        f"FROM {relation}",
    )
    report = ImportReport()
    rejected_rows = _add_rejects(con, report) if source.rejects else []
    if refused:
        if progress:
            progress("explaining refused rows", 0.7)
        _add_value_problems(con, source, specs, settings, report, rejected_rows)
    check_bad_rows(report, settings, path)
    return TypedOutput(path=path, columns=specs, rows=rows, report=report)


def check_bad_rows(report: ImportReport, settings: ImportSettings, path: Path) -> None:
    """Refuse the import (and remove its file) when more rows were refused than allowed."""
    if report.bad_rows > settings.max_bad_rows:
        path.unlink(missing_ok=True)
        raise IngestError(
            "{bad_rows} row(s) could not be read (at most {allowed} allowed): nothing was "
            "imported. {summary}",
            report=report,
            code="bad_rows",
            # The reasons are in the report too, where each is shown in the reader's language.
            params={
                "bad_rows": report.bad_rows,
                "allowed": settings.max_bad_rows,
                "summary": report.summary(3).split("\n", 1)[-1].strip(),
            },
        )


def _add_rejects(con: duckdb.DuckDBPyConnection, report: ImportReport) -> list[int]:
    """Lines DuckDB's CSV reader could not split into the header's fields; their row numbers."""
    # One problem per line: a broken line can produce several reject records.
    rows = con.execute(
        "SELECT line, first(error_type), first(csv_line), first(column_name) "
        "FROM reject_errors GROUP BY line ORDER BY line"
    ).fetchall()
    for line, error_type, csv_line, column in rows:
        template = REJECT_REASONS.get(str(error_type), OTHER_REJECT)
        params: dict[str, Param] = (
            {} if str(error_type) in REJECT_REASONS else {"kind": str(error_type).lower()}
        )
        # DuckDB counts file lines from 1 with the header as line 1; rows count data rows.
        report.add(Problem(template, int(line) - 1, column, csv_line, params))
    report.bad_rows += len(rows)
    return [int(line) - 1 for line, *_rest in rows]


def _row_in_file(scanned_row: int, rejected_rows: list[int]) -> int:
    """A row's number in the file, given its number among the rows the reader kept.

    Rejected lines are skipped by the scan, so every rejected row before this one shifts it.
    (Rows with line breaks inside quotes still count as one row.)
    """
    row = scanned_row
    for rejected in rejected_rows:  # sorted
        if rejected <= row:
            row += 1
        else:
            break
    return row


def _add_value_problems(
    con: duckdb.DuckDBPyConnection,
    source: RawSource,
    specs: list[ColumnSpec],
    settings: ImportSettings,
    report: ImportReport,
    rejected_rows: list[int],
) -> None:
    """Second, slower read of the source: which rows, columns and raw values were refused."""
    checked = [s for s in specs if problem_expr(s, settings.timezone)]
    flags = [f"{problem_expr(s, settings.timezone)} AS __p{i}" for i, s in enumerate(checked)]
    raws = [f"{clean_expr(s)} AS __v{i}" for i, s in enumerate(checked)]
    extra = []
    if source.problem_column:
        extra.append(f"{quote_ident(source.problem_column)} AS __source_problem")
    any_flag = (
        " OR ".join(
            [f"__p{i}" for i in range(len(checked))]
            + (["__source_problem IS NOT NULL"] if extra else [])
        )
        or "FALSE"
    )
    numbered = (
        f"SELECT row_number() OVER () AS __row, {', '.join(flags + raws + extra) or '1'} "
        f"FROM {source.from_sql}"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE __refused AS SELECT * FROM ({numbered}) WHERE {any_flag}"
    )
    total = fetch_row(con, "SELECT count(*) FROM __refused")[0]
    report.bad_rows += total
    params: dict[str, Param]
    for i, spec in enumerate(checked):
        if spec.format in (None, "iso"):
            template, params = REASONS[spec.type], {}
        else:
            template, params = REASONS_IN_FORMAT[spec.type], {"format": spec.format}
        count = fetch_row(con, f"SELECT count(*) FROM __refused WHERE __p{i}")[0]
        if not count:
            continue
        examples = con.execute(
            f"SELECT __row, __v{i} FROM __refused WHERE __p{i} ORDER BY __row LIMIT 100"
        ).fetchall()
        report.tally(Problem(template, params=params), count)
        for row, value in examples:
            if len(report.examples) < MAX_EXAMPLES:
                where = _row_in_file(row, rejected_rows)
                report.examples.append(Problem(template, where, spec.source, value, params))
    if source.problem_column:
        found = con.execute(
            "SELECT __row, __source_problem FROM __refused WHERE __source_problem IS NOT NULL "
            "ORDER BY __row"
        ).fetchall()
        for row, problem in found:
            column = source.details.get("geometry_column")
            template, params = source_problem(str(problem))
            where = _row_in_file(row, rejected_rows)
            report.add(Problem(template, where, column, params=params))


def _register(con: duckdb.DuckDBPyConnection, source: RawSource) -> None:
    for name, table in source.tables.items():
        con.register(name, table)


def _parser_gave_up(exc: duckdb.Error) -> bool:
    text = str(exc)
    return "state machine" in text or "sniffing file" in text or "strict_mode" in text


def read_source(
    con: duckdb.DuckDBPyConnection,
    source: RawSource,
    settings: ImportSettings,
    work_dir: Path,
    progress: ProgressCallback | None = None,
    columns: list[ColumnSpec] | None = None,
) -> TypedOutput:
    """Plan the columns (unless given) and write the typed Parquet, falling back to the
    source's forgiving reader once if DuckDB's strict CSV parser rejects the whole file."""
    for attempt in (source, None):
        current = attempt or (source.fallback() if source.fallback else None)
        if current is None:
            break
        _register(con, current)
        try:
            check_column_count(current.columns, settings)
            specs = columns or plan_columns(con, current, settings)
            return write_typed(con, current, specs, settings, work_dir, progress)
        except duckdb.InvalidInputException as exc:
            if attempt is None or not _parser_gave_up(exc) or source.fallback is None:
                raise _unreadable(exc) from None
            con.execute("DROP TABLE IF EXISTS reject_errors")
            con.execute("DROP TABLE IF EXISTS reject_scans")
        except duckdb.Error as exc:
            raise _unreadable(exc) from None
    raise IngestError("The file could not be read as CSV.", code="unreadable")


def _unreadable(exc: Exception) -> IngestError:
    """The engine's own words (its first line) in a sentence the reader can read."""
    text = str(exc).strip().splitlines()
    return IngestError(
        "The file could not be read: {detail}",
        code="unreadable",
        params={"detail": text[0] if text else type(exc).__name__},
    )
