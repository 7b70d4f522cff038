"""A file's rows as raw text columns that DuckDB can scan, whatever the file's format."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from civiclab.datasets.ingest.columns import ColumnSpec, quote_literal
from civiclab.datasets.ingest.report import IngestError, english

SNIFF_BYTES = 1 << 20
TRANSCODE_CHUNK = 16 << 20
# The longest line (a row, with every value) a text file may have; longer lines are bad rows.
MAX_LINE_BYTES = 10_000_000
# The longest column name: a name is shown on every page and in every query.
MAX_COLUMN_NAME = 1000

# Python's CSV reader refuses values over 128 KB by default (with an error, not a bad row);
# the header and the forgiving reader (rewrite_csv) take values up to a whole line.
csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_BYTES))


@dataclass
class RawSource:
    """What the pipeline scans.

    ``from_sql`` is a table expression (``read_csv(...)`` or a registered table's name) whose
    columns are ``columns``, all text except those in ``known``, whose types the format
    itself defines. A source that found bad rows itself (invalid geometries) names them in
    ``problem_column``. ``rejects``: DuckDB's CSV reader keeps structurally broken lines in
    its reject tables while scanning.
    """

    format: str
    from_sql: str
    columns: list[str]
    known: dict[str, ColumnSpec] = field(default_factory=dict)
    problem_column: str | None = None
    rejects: bool = False
    details: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Any] = field(default_factory=dict)  # name → pyarrow table to register
    temporary: list[Path] = field(default_factory=list)
    # Another way to read the same file when DuckDB's strict CSV parser gives up on it.
    fallback: Callable[[], RawSource] | None = None

    def cleanup(self) -> None:
        for path in self.temporary:
            path.unlink(missing_ok=True)


# --- Text files --------------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without byte-order mark), UTF-16 by its mark, else Windows-1252.

    French city spreadsheets are often saved as Windows-1252; its superset of Latin-1 also
    decodes true Latin-1 files. Binary content is refused rather than guessed at.
    """
    with path.open("rb") as handle:
        sample = handle.read(SNIFF_BYTES)
    if not sample.strip():
        raise IngestError("The file is empty.", code="empty")
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        raise IngestError(
            "The file contains NUL bytes: it is binary, not a text (CSV) file.", code="encoding"
        )
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)  # a character cut at the sample's end is fine
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise IngestError(
            "The file's bytes are neither UTF-8 nor Windows-1252 (byte {byte} at offset "
            "{offset} cannot be decoded).",
            code="encoding",
            params={"byte": f"0x{sample[exc.start]:02x}", "offset": exc.start},
        ) from None
    return "cp1252"


def transcode_to_utf8(path: Path, encoding: str, target: Path) -> None:
    """Rewrite a non-UTF-8 text file as UTF-8, in chunks, naming the first bad byte and its
    line. A file that ends inside a character (a UTF-16 file cut short, with an odd number
    of bytes or half a surrogate pair) is refused too: its end cannot be decoded."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0  # bytes of the file read before this chunk
    lines = 1  # the line being decoded (the header is line 1)
    with path.open("rb") as src, target.open("wb") as dst:
        while True:
            chunk = src.read(TRANSCODE_CHUNK)
            final = not chunk
            state = decoder.getstate()
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                # exc.object is the decoder's pending bytes from the last chunk, then this one.
                pending = len(exc.object) - len(chunk)
                bad = exc.object[exc.start : exc.end]
                # The lines before the bad byte, decoded from the same state (UTF-16's byte
                # order is part of it).
                probe = codecs.getincrementaldecoder(encoding)(errors="ignore")
                probe.setstate(state)
                before = probe.decode(chunk[: max(exc.start - pending, 0)])
                template = (
                    english(
                        "The file ends in the middle of a character: its last {count} byte(s) "
                        "({bytes}, from offset {offset}, line {line}) are not a whole "
                        "{encoding} character. The file may have been cut short: export it "
                        "again."
                    )
                    if final
                    else english(
                        "Byte {byte} at offset {offset} (line {line}) cannot be decoded as "
                        "{encoding}."
                    )
                )
                raise IngestError(
                    template,
                    code="encoding",
                    params={
                        "byte": f"0x{bad[0]:02x}",
                        "bytes": " ".join(f"0x{b:02x}" for b in bad[:4]),
                        "count": len(bad),
                        "offset": offset - pending + exc.start,
                        "line": lines + before.count("\n"),
                        "encoding": encoding,
                    },
                ) from None
            dst.write(text.encode("utf-8"))
            lines += text.count("\n")
            if final:
                break
            offset += len(chunk)


def sniff_header(text_sample: str) -> tuple[str, list[str]]:
    """The delimiter and the header's column names, from the start of the file."""
    first_lines = text_sample.lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(first_lines[:65536], delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        # One column, or too little text to tell: count candidates on the first line.
        line = first_lines.split("\n", 1)[0]
        delimiter = max(",;\t|", key=line.count) if any(c in line for c in ",;\t|") else ","
    reader = csv.reader(io.StringIO(first_lines, newline=""), delimiter=delimiter, quotechar='"')
    try:
        header = next(reader)
    except StopIteration:
        raise IngestError("The file is empty.", code="empty") from None
    except csv.Error as exc:  # a field beyond csv.field_size_limit, a NUL
        raise IngestError(
            "The header cannot be read: {detail}.", code="header", params={"detail": str(exc)}
        ) from None
    return delimiter, header


def check_header(header: list[str]) -> list[str]:
    """Names must be present and unique: data without names cannot be addressed later."""
    names = [name.strip() for name in header]
    for position, name in enumerate(names, start=1):
        if not name:
            raise IngestError(
                "Column {position} of the header has no name: give every column a name.",
                code="header",
                params={"position": position},
            )
        if len(name) > MAX_COLUMN_NAME:
            raise IngestError(
                "Column {position} of the header is named with {length} characters, more than "
                "the {limit} a column name may have (it begins {start!r}): is the first line "
                "the header?",
                code="header",
                params={
                    "position": position,
                    "length": len(name),
                    "limit": MAX_COLUMN_NAME,
                    "start": name[:40],
                },
            )
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        key = name.lower()
        if key in seen:
            raise IngestError(
                "The header names {name!r} twice (columns {first} and {position}): "
                "column names must be unique.",
                code="header",
                params={"name": name, "first": seen[key], "position": position},
            )
        seen[key] = position
    return names


def csv_source(path: Path, work_dir: Path) -> RawSource:
    """A CSV/TSV file of any shape, read with every value as text."""
    encoding = detect_encoding(path)
    readable = path
    temporary: list[Path] = []
    if encoding != "utf-8":
        readable = work_dir / "transcoded.csv"
        transcode_to_utf8(path, encoding, readable)
        temporary.append(readable)
    with readable.open("rb") as handle:
        sample = handle.read(SNIFF_BYTES).decode("utf-8", errors="ignore")
    delimiter, header = sniff_header(sample)
    names = check_header(header)
    details = {"encoding": encoding, "delimiter": delimiter}

    def rewritten() -> RawSource:
        target = work_dir / "rewritten.csv"
        rewrite_csv(readable, delimiter, target)
        source = _duckdb_csv(target, names, delimiter, details | {"rewritten": True})
        source.temporary = [*temporary, target]
        return source

    source = _duckdb_csv(readable, names, delimiter, details)
    source.temporary = temporary
    source.fallback = rewritten
    return source


def _duckdb_csv(path: Path, names: list[str], delimiter: str, details: dict[str, Any]) -> RawSource:
    columns_sql = "{" + ", ".join(f"{quote_literal(n)}: 'VARCHAR'" for n in names) + "}"
    # strict_mode keeps rows with too many fields from being silently cut short.
    from_sql = (
        f"read_csv({quote_literal(str(path))}, header=true, delim={quote_literal(delimiter)}, "
        f"quote='\"', escape='\"', columns={columns_sql}, auto_detect=false, "
        f"strict_mode=true, store_rejects=true, max_line_size={MAX_LINE_BYTES})"
    )
    return RawSource(format="csv", from_sql=from_sql, columns=names, rejects=True, details=details)


def rewrite_csv(path: Path, delimiter: str, target: Path) -> None:
    """Re-write a CSV through Python's more forgiving reader: mixed line endings, blank lines
    between records (some scrapers and Excel exports write them) and odd quoting become plain
    RFC 4180 that DuckDB's strict reader accepts. Rows keep their own number of fields, so
    ragged rows are still found."""
    with (
        path.open(encoding="utf-8", newline="") as src,
        target.open("w", encoding="utf-8", newline="") as dst,
    ):
        writer = csv.writer(dst, delimiter=delimiter, lineterminator="\n")
        reader = csv.reader(src, delimiter=delimiter)
        try:
            for row in reader:
                if row:
                    writer.writerow(row)
        except csv.Error as exc:  # a value longer than MAX_LINE_BYTES
            raise IngestError(
                "Line {line} cannot be read: {detail}.",
                code="unreadable",
                params={"line": reader.line_num, "detail": str(exc)},
            ) from None
