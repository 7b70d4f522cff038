"""Column types and the SQL that turns raw text into each of them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from civiclab.datasets.ingest.report import english

if TYPE_CHECKING:
    import duckdb


class ColumnType(StrEnum):
    INTEGER = "integer"
    DECIMAL = "decimal"
    TEXT = "text"
    BOOLEAN = "boolean"
    DATE = "date"
    TIMESTAMP = "timestamp"
    CATEGORY = "category"
    LATITUDE = "latitude"
    LONGITUDE = "longitude"
    GEOMETRY = "geometry"


# The Parquet/DuckDB type each column type is stored as.
STORAGE_TYPE = {
    ColumnType.INTEGER: "BIGINT",
    ColumnType.DECIMAL: "DOUBLE",
    ColumnType.TEXT: "VARCHAR",
    ColumnType.BOOLEAN: "BOOLEAN",
    ColumnType.DATE: "DATE",
    ColumnType.TIMESTAMP: "TIMESTAMPTZ",
    ColumnType.CATEGORY: "VARCHAR",
    ColumnType.LATITUDE: "DOUBLE",
    ColumnType.LONGITUDE: "DOUBLE",
    ColumnType.GEOMETRY: "BLOB",
}

# Why a value was refused, by the type it did not fit.
REASONS = {
    ColumnType.INTEGER: english("not a whole number"),
    ColumnType.DECIMAL: english("not a number"),
    ColumnType.BOOLEAN: english("not true/false"),
    ColumnType.DATE: english("not a date in the column's format"),
    ColumnType.TIMESTAMP: english("not a date and time in the column's format"),
    ColumnType.LATITUDE: english("not a latitude between -90 and 90"),
    ColumnType.LONGITUDE: english("not a longitude between -180 and 180"),
}
# The same, for a column read with a format of its own (a date format, decimal-comma).
REASONS_IN_FORMAT = {
    ColumnType.INTEGER: english("not a whole number ({format})"),
    ColumnType.DECIMAL: english("not a number ({format})"),
    ColumnType.BOOLEAN: english("not true/false ({format})"),
    ColumnType.DATE: english("not a date in the column's format ({format})"),
    ColumnType.TIMESTAMP: english("not a date and time in the column's format ({format})"),
    ColumnType.LATITUDE: english("not a latitude between -90 and 90 ({format})"),
    ColumnType.LONGITUDE: english("not a longitude between -180 and 180 ({format})"),
}

TRUE_WORDS = ("true", "t", "yes", "y")
FALSE_WORDS = ("false", "f", "no", "n")


@dataclass(frozen=True)
class ColumnSpec:
    """One output column: where it comes from, its name and type, and how to read it.

    ``format`` is a strptime pattern for dates and timestamps (``iso`` for ISO 8601);
    ``null_markers`` are extra raw values the user declared to mean "missing".
    """

    source: str
    name: str
    type: ColumnType
    format: str | None = None
    null_markers: tuple[str, ...] = field(default_factory=tuple)

    def with_changes(self, **changes: Any) -> ColumnSpec:
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "name": self.name,
            "type": self.type.value,
            "format": self.format,
            "null_markers": list(self.null_markers),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnSpec:
        return cls(
            source=data["source"],
            name=data.get("name") or data["source"],
            type=ColumnType(data["type"]),
            format=data.get("format"),
            null_markers=tuple(data.get("null_markers") or ()),
        )


def fetch_row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    """The one row of an aggregate query. DuckDB types ``fetchone()`` as possibly ``None``; an
    aggregate without GROUP BY always has its row, so a missing one is a bug, said loudly."""
    row = con.execute(sql).fetchone()
    if row is None:
        raise RuntimeError(f"an aggregate query returned no row: {sql[:120]}")
    return row


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def raw_expr(spec: ColumnSpec) -> str:
    """The raw text of the column, with declared null markers turned into NULL."""
    column = quote_ident(spec.source)
    if not spec.null_markers:
        return column
    markers = ", ".join(quote_literal(m) for m in spec.null_markers)
    return f"(CASE WHEN {column} IN ({markers}) THEN NULL ELSE {column} END)"


# Whole numbers without leading zeros: "01234" is an identifier or a ZIP code, kept as text.
# Eighteen digits at most: every such number fits a BIGINT exactly.
INTEGER_PATTERN = r"[+-]?(0|[1-9][0-9]{0,17})"
DECIMAL_PATTERN = r"[+-]?((0|[1-9][0-9]*)(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"

# Number formats a DECIMAL or INTEGER column may declare in ``ColumnSpec.format``.
# None: a decimal point and no thousands separators (12.5, 1234.5, 1e5).
# "decimal-comma": the French way, a decimal comma and optional groups of three digits
# separated by a space, a no-break space or a narrow no-break space (12,5 · 1 234,5).
DECIMAL_COMMA = "decimal-comma"
NUMBER_FORMATS = (DECIMAL_COMMA,)
THOUSANDS_SEPARATORS = (" ", "\u00a0", "\u202f")
_GROUP = "[" + "".join(THOUSANDS_SEPARATORS) + "]"
DECIMAL_COMMA_PATTERN = (
    "[+-]?((0|[1-9][0-9]{0,2}(" + _GROUP + "[0-9]{3})+|[1-9][0-9]*)(,[0-9]*)?|,[0-9]+)"
)
# Digits a value may have and still be exact in a DOUBLE whatever they are (DBL_DIG).
EXACT_DIGITS = 15


def clean_expr(spec: ColumnSpec) -> str:
    """Raw text trimmed, with blank values as NULL (for typed columns only)."""
    return f"NULLIF(trim({raw_expr(spec)}), '')"


def number_text(clean: str, number_format: str | None) -> tuple[str, str]:
    """(SQL true when the text is a number written in this format, SQL of the same number
    written with a decimal point and no separators)."""
    if number_format == DECIMAL_COMMA:
        plain = clean
        for separator in THOUSANDS_SEPARATORS:
            plain = f"replace({plain}, {quote_literal(separator)}, '')"
        written = f"regexp_full_match({clean}, {quote_literal(DECIMAL_COMMA_PATTERN)})"
        return written, f"replace({plain}, ',', '.')"
    return f"regexp_full_match({clean}, {quote_literal(DECIMAL_PATTERN)})", clean


def _normal_number(text: str) -> str:
    """SQL writing a decimal number's value one way only: sign, significant digits, exponent
    ("12.50", "1.25e1" and "+12.5" all give "125e-1"; zero gives "0")."""
    parts = (
        f"regexp_extract({text}, '^([+-]?)([0-9]*)\\.?([0-9]*)(?:[eE]([+-]?[0-9]+))?$', "
        "['sign', 'whole', 'fraction', 'exponent'])"
    )
    # A macro-like lambda keeps the parts computed once per value.
    return (
        f"(list_transform([{parts}], lambda p: CASE "
        "WHEN ltrim(p.whole || p.fraction, '0') = '' THEN '0' "
        "ELSE (CASE WHEN p.sign = '-' THEN '-' ELSE '' END) "
        "|| rtrim(ltrim(p.whole || p.fraction, '0'), '0') || 'e' || ("
        "COALESCE(TRY_CAST(NULLIF(p.exponent, '') AS BIGINT), 0) - length(p.fraction) "
        "+ length(ltrim(p.whole || p.fraction, '0')) "
        "- length(rtrim(ltrim(p.whole || p.fraction, '0'), '0'))) END)[1])"
    )


def exact_double_test(text: str) -> str:
    """SQL true when the number ``text`` (decimal point, no separators) is held exactly by a
    DOUBLE: read back, it is the same number. A 26-digit parcel number is not: as a DOUBLE
    it would merge with its neighbours."""
    value = f"TRY_CAST({text} AS DOUBLE)"
    short = f"(length({text}) <= {EXACT_DIGITS} AND NOT regexp_matches({text}, '[eE]'))"
    same = f"({_normal_number(text)} = {_normal_number(f'CAST({value} AS VARCHAR)')})"
    return f"(isfinite({value}) AND ({short} OR {same}))"


def _integer(clean: str, number_format: str | None) -> str:
    written, text = number_text(clean, number_format)
    whole = f"regexp_full_match({text}, {quote_literal(INTEGER_PATTERN)})"
    # A whole number written as a decimal (12.0, 1e3) is the same number; 1.5, 1_000 and 0x1F
    # are not whole numbers as written, whatever DuckDB's own cast would make of them.
    as_decimal = f"TRY_CAST({text} AS DOUBLE)"
    return (
        f"(CASE WHEN NOT {written} THEN NULL "
        f"WHEN {whole} THEN TRY_CAST({text} AS BIGINT) "
        f"WHEN {exact_double_test(text)} AND {as_decimal} = trunc({as_decimal}) "
        f"AND abs({as_decimal}) <= 9007199254740992 THEN CAST({as_decimal} AS BIGINT) END)"
    )


def _decimal(clean: str, number_format: str | None) -> str:
    written, text = number_text(clean, number_format)
    # Only a value the DOUBLE keeps exactly: anything else is refused (and reported), never
    # rounded; "nan" and "inf" are not numbers as written.
    return (
        f"(CASE WHEN {written} AND {exact_double_test(text)} THEN TRY_CAST({text} AS DOUBLE) END)"
    )


def cast_expr(spec: ColumnSpec, timezone: str) -> str:
    """SQL giving the typed value, or NULL when the raw text does not fit the type."""
    kind = spec.type
    if kind in (ColumnType.TEXT, ColumnType.CATEGORY, ColumnType.GEOMETRY):
        return raw_expr(spec)
    clean = clean_expr(spec)
    if kind is ColumnType.INTEGER:
        return _integer(clean, spec.format)
    if kind is ColumnType.DECIMAL:
        return _decimal(clean, spec.format)
    if kind in (ColumnType.LATITUDE, ColumnType.LONGITUDE):
        limit = 90 if kind is ColumnType.LATITUDE else 180
        value = _decimal(clean, spec.format)
        return f"(CASE WHEN {value} BETWEEN -{limit} AND {limit} THEN {value} END)"
    if kind is ColumnType.BOOLEAN:
        low = f"lower({clean})"
        trues = ", ".join(quote_literal(w) for w in TRUE_WORDS)
        falses = ", ".join(quote_literal(w) for w in FALSE_WORDS)
        return f"(CASE WHEN {low} IN ({trues}) THEN TRUE WHEN {low} IN ({falses}) THEN FALSE END)"
    if kind is ColumnType.DATE:
        if spec.format in (None, "iso"):
            return f"TRY_CAST({clean} AS DATE)"
        return f"CAST({strptime_expr(clean, spec.format)} AS DATE)"
    if kind is ColumnType.TIMESTAMP:
        return _timestamp_expr(clean, spec.format, timezone)
    raise ValueError(f"unknown column type {kind}")


def strptime_expr(clean: str, fmt: str) -> str:
    parsed = f"try_strptime({clean}, {quote_literal(fmt)})"
    if "%Y" not in fmt:
        return parsed
    # strptime reads "1/7/20" with %Y as the year 20: no city record is that old.
    return f"(CASE WHEN year({parsed}) >= 1000 THEN {parsed} END)"


def strptime_test(clean: str, fmt: str) -> str:
    return f"({strptime_expr(clean, fmt)} IS NOT NULL)"


def _timestamp_expr(clean: str, fmt: str | None, timezone: str) -> str:
    if fmt == "iso-offset":
        # The text names its own offset (2024-01-31T23:05:00-05:00, …Z).
        return f"TRY_CAST({clean} AS TIMESTAMPTZ)"
    local = f"TRY_CAST({clean} AS TIMESTAMP)" if fmt in (None, "iso") else strptime_expr(clean, fmt)
    # A wall-clock time in the city's time zone, stored as the instant it names.
    return f"timezone({quote_literal(timezone)}, {local})"


def problem_expr(spec: ColumnSpec, timezone: str) -> str | None:
    """SQL that is true when a value is present but does not fit (None: never fails)."""
    if spec.type in (ColumnType.TEXT, ColumnType.CATEGORY, ColumnType.GEOMETRY):
        return None
    return f"({clean_expr(spec)} IS NOT NULL AND {cast_expr(spec, timezone)} IS NULL)"
