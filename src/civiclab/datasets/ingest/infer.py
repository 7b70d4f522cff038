"""Guess each column's type from a sample of its raw text, in one DuckDB query."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from civiclab.datasets.ingest.columns import (
    DECIMAL_COMMA,
    DECIMAL_COMMA_PATTERN,
    FALSE_WORDS,
    INTEGER_PATTERN,
    TRUE_WORDS,
    ColumnSpec,
    ColumnType,
    exact_double_test,
    fetch_row,
    number_text,
    quote_ident,
    quote_literal,
    strptime_test,
)
from civiclab.lazy_modules import lazy_module

if TYPE_CHECKING:
    import duckdb
else:
    duckdb = lazy_module("duckdb")

# As many rows as DuckDB's own CSV sniffer reads; a later value that does not fit the chosen
# type is reported with its row, never silently changed.
SAMPLE_ROWS = 20_480
# Columns counted per query while inferring (see _stats).
STATS_COLUMNS_PER_QUERY = 25

DATE_FORMATS_MONTH_FIRST = ["iso", "%m/%d/%Y", "%m/%d/%y", "%d/%m/%Y", "%d/%m/%y", "%Y/%m/%d"]
DATE_FORMATS_DAY_FIRST = ["iso", "%d/%m/%Y", "%d/%m/%y", "%m/%d/%Y", "%m/%d/%y", "%Y/%m/%d"]
TIMESTAMP_FORMATS_MONTH_FIRST = [
    "iso-offset",
    "iso",
    "%m/%d/%Y %I:%M:%S %p",  # Socrata exports: 01/31/2024 11:05:00 PM
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y %I:%M %p",
    "%m/%d/%y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%Y/%m/%d %H:%M:%S",
]
TIMESTAMP_FORMATS_DAY_FIRST = [
    "iso-offset",
    "iso",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y %I:%M %p",
    "%m/%d/%y %H:%M",
    "%Y/%m/%d %H:%M:%S",
]
ISO_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
ISO_TIMESTAMP = ISO_DATE + r"[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
ISO_OFFSET = ISO_TIMESTAMP + r" ?(Z|[+-][0-9]{2}(:?[0-9]{2})?)"

# Names of columns whose digits are identifiers, not quantities: keep them as text.
IDENTIFIER_NAME = re.compile(r"zip|postal|phone|fips|bbl|census|tract|parcel|code\b", re.I)
# Words that make a name an identifier's: tax_id, Unique Key, ReferenceID, OBJECTID. Their
# values are labels — counting or summing them means nothing, and a long one would not
# survive as a number.
IDENTIFIER_WORDS = {"id", "ids", "identifier", "key", "uuid", "guid", "objectid", "fid", "gid"}
WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
LATITUDE_NAME = re.compile(r"^(lat|latitude|y_?lat|lat_?y)$", re.I)
LONGITUDE_NAME = re.compile(r"^(lon|long|lng|longitude|x_?lon|lon_?x)$", re.I)


@dataclass(frozen=True)
class _Candidate:
    key: str
    type: ColumnType
    format: str | None
    matches: str  # SQL boolean over the cleaned value, written as {v}


def is_identifier_name(name: str) -> bool:
    """A column whose name says it holds identifiers or codes, kept as text."""
    if IDENTIFIER_NAME.search(name):
        return True
    return any(word.lower() in IDENTIFIER_WORDS for word in WORDS.findall(name))


def _number_candidates(number_format: str | None) -> list[_Candidate]:
    """Whole numbers and decimals written in a number format, kept exactly."""
    written, text = number_text("{v}", number_format)
    suffix = "" if number_format is None else "_comma"
    return [
        _Candidate(
            "int" + suffix,
            ColumnType.INTEGER,
            number_format,
            f"({written} AND regexp_full_match({text}, {quote_literal(INTEGER_PATTERN)}))",
        ),
        _Candidate(
            "dec" + suffix,
            ColumnType.DECIMAL,
            number_format,
            f"({written} AND {exact_double_test(text)})",
        ),
    ]


def _candidates(day_first: bool) -> list[_Candidate]:
    words = ", ".join(quote_literal(w) for w in TRUE_WORDS + FALSE_WORDS)
    found = [
        *_number_candidates(None),
        *_number_candidates(DECIMAL_COMMA),
        _Candidate("bool", ColumnType.BOOLEAN, None, f"lower({{v}}) IN ({words})"),
    ]
    for n, fmt in enumerate(DATE_FORMATS_DAY_FIRST if day_first else DATE_FORMATS_MONTH_FIRST):
        iso_test = (
            f"(regexp_full_match({{v}}, {quote_literal(ISO_DATE)}) "
            "AND TRY_CAST({v} AS DATE) IS NOT NULL)"
        )
        test = iso_test if fmt == "iso" else strptime_test("{v}", fmt)
        found.append(_Candidate(f"date{n}", ColumnType.DATE, fmt, test))
    formats = TIMESTAMP_FORMATS_DAY_FIRST if day_first else TIMESTAMP_FORMATS_MONTH_FIRST
    for n, fmt in enumerate(formats):
        if fmt == "iso-offset":
            test = (
                f"(regexp_full_match({{v}}, {quote_literal(ISO_OFFSET)}) "
                "AND TRY_CAST({v} AS TIMESTAMPTZ) IS NOT NULL)"
            )
        elif fmt == "iso":
            test = (
                f"(regexp_full_match({{v}}, {quote_literal(ISO_TIMESTAMP)}) "
                "AND TRY_CAST({v} AS TIMESTAMP) IS NOT NULL)"
            )
        else:
            test = strptime_test("{v}", fmt)
        found.append(_Candidate(f"ts{n}", ColumnType.TIMESTAMP, fmt, test))
    return found


def infer_columns(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    columns: list[str],
    *,
    day_first: bool = False,
    decimal_comma: bool = False,
    sample_rows: int = SAMPLE_ROWS,
) -> list[ColumnSpec]:
    """Pick a type for each raw text column of ``relation`` from its first ``sample_rows``.

    A type is chosen only when every non-blank sampled value fits it; otherwise the column
    stays text (or category when few distinct values repeat), so nothing is lost. A number
    type is chosen only when every value is kept exactly (a 26-digit parcel number stays
    text); numbers with a decimal comma (12,5 · 1 234,5) only when ``decimal_comma``. Cheap
    tests come first; the costly ones (patterns, date formats) run only on the columns
    still in the running.
    """
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE __sample AS SELECT * FROM {relation} LIMIT {sample_rows}"
    )
    candidates = _candidates(day_first)
    by_key = {c.key: c for c in candidates}
    first = [
        _Candidate("num", ColumnType.DECIMAL, None, "TRY_CAST({v} AS DOUBLE) IS NOT NULL"),
        by_key["bool"],
        # Starts with a digit and has a date separator: worth trying the date formats on.
        _Candidate(
            "shape",
            ColumnType.TEXT,
            None,
            "(ascii({v}) BETWEEN 48 AND 57 AND (contains({v}, '/') OR contains({v}, '-') "
            "OR contains({v}, '.')))",
        ),
    ]
    first.append(_Candidate("clock", ColumnType.TEXT, None, "contains({v}, ':')"))
    if decimal_comma:
        pattern = quote_literal(DECIMAL_COMMA_PATTERN)
        first.append(
            _Candidate("comma", ColumnType.TEXT, None, f"regexp_full_match({{v}}, {pattern})")
        )
    every = list(enumerate(columns))
    stats = _stats(con, every, first, with_counts=True)

    def all_fit(i: int, key: str) -> bool:
        return bool(stats[f"n{i}"]) and stats.get(f"{key}_{i}") == stats[f"n{i}"]

    numeric = [(i, c) for i, c in every if all_fit(i, "num") and not is_identifier_name(c)]
    if numeric:
        stats.update(_stats(con, numeric, [by_key["int"], by_key["dec"]], with_counts=False))
    commas = [
        (i, c)
        for i, c in every
        if all_fit(i, "comma") and not all_fit(i, "num") and not is_identifier_name(c)
    ]
    if commas:
        wanted = [by_key["int_comma"], by_key["dec_comma"]]
        stats.update(_stats(con, commas, wanted, with_counts=False))
    # Date formats for values without a clock time, timestamp formats for the others, one
    # format at a time: most columns settle on the first formats tried.
    for kind, wants_clock in ((ColumnType.DATE, False), (ColumnType.TIMESTAMP, True)):
        pending = [
            (i, c)
            for i, c in every
            if all_fit(i, "shape") and (stats[f"clock_{i}"] > 0) == wants_clock
        ]
        for cand in (c for c in candidates if c.type is kind):
            if not pending:
                break
            stats.update(_stats(con, pending, [cand], with_counts=False))
            pending = [(i, c) for i, c in pending if not all_fit(i, cand.key)]
    return [_decide(column, i, stats, candidates) for i, column in every]


def _stats(
    con: duckdb.DuckDBPyConnection,
    columns: list[tuple[int, str]],
    candidates: list[_Candidate],
    *,
    with_counts: bool,
) -> dict[str, int]:
    # DuckDB's cost grows faster than the number of aggregates in one query (900 take six
    # times as long as 3 × 300): wide files are counted a few columns at a time.
    stats: dict[str, int] = {}
    for start in range(0, len(columns), STATS_COLUMNS_PER_QUERY):
        chunk = columns[start : start + STATS_COLUMNS_PER_QUERY]
        stats.update(_stats_of(con, chunk, candidates, with_counts=with_counts))
    return stats


def _stats_of(
    con: duckdb.DuckDBPyConnection,
    columns: list[tuple[int, str]],
    candidates: list[_Candidate],
    *,
    with_counts: bool,
) -> dict[str, int]:
    selects = []
    for i, column in columns:
        v = f"NULLIF(trim({quote_ident(column)}), '')"
        if with_counts:
            selects.append(f"count({v}) AS n{i}")
            selects.append(f"approx_count_distinct({v}) AS d{i}")
        for cand in candidates:
            selects.append(f"count(*) FILTER ({_bind(cand.matches, v)}) AS {cand.key}_{i}")
    row = fetch_row(con, f"SELECT {', '.join(selects)} FROM __sample")
    names = [d[0] for d in con.description]
    return dict(zip(names, row, strict=True))


def _bind(matches: str, value: str) -> str:
    """Put the value expression into a candidate's test."""
    return matches.replace("{v}", value)


def _decide(column: str, i: int, stats: dict[str, Any], candidates: list[_Candidate]) -> ColumnSpec:
    present = stats[f"n{i}"]
    distinct = stats[f"d{i}"]
    if present == 0:
        return ColumnSpec(column, column, ColumnType.TEXT)

    def fits(key: str) -> bool:
        return bool(stats.get(f"{key}_{i}") == present)

    # Number candidates were only tried on columns without an identifier's name.
    number_format = None if fits("dec") or not fits("dec_comma") else DECIMAL_COMMA
    numeric = fits("dec") or fits("dec_comma")
    # Coordinates by name, even if whole numbers: values out of range are then refused.
    if numeric and LATITUDE_NAME.match(column.strip()):
        return ColumnSpec(column, column, ColumnType.LATITUDE, number_format)
    if numeric and LONGITUDE_NAME.match(column.strip()):
        return ColumnSpec(column, column, ColumnType.LONGITUDE, number_format)
    if fits("int"):
        return ColumnSpec(column, column, ColumnType.INTEGER)
    if fits("int_comma"):
        return ColumnSpec(column, column, ColumnType.INTEGER, DECIMAL_COMMA)
    if numeric:
        return ColumnSpec(column, column, ColumnType.DECIMAL, number_format)
    if fits("bool"):
        return ColumnSpec(column, column, ColumnType.BOOLEAN)
    for cand in candidates:
        if cand.type in (ColumnType.DATE, ColumnType.TIMESTAMP) and fits(cand.key):
            return ColumnSpec(column, column, cand.type, cand.format)
    # Few distinct values that repeat: a category (complaint type, status, borough…).
    if present >= 20 and (distinct <= 50 or distinct <= present * 0.02):
        return ColumnSpec(column, column, ColumnType.CATEGORY)
    return ColumnSpec(column, column, ColumnType.TEXT)
