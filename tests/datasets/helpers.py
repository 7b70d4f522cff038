"""Running the pure import pipeline on a file, for tests that need no database."""

from __future__ import annotations

from pathlib import Path

import duckdb

from civiclab.datasets.ingest.formats import open_source
from civiclab.datasets.ingest.limits import ReadLimits
from civiclab.datasets.ingest.pipeline import (
    ImportSettings,
    TypedOutput,
    dataset_relation,
    ingest_connection,
    read_source,
)

REAL = Path(__file__).resolve().parents[1] / "data" / "real"


def ingest(
    path: Path,
    work_dir: Path,
    *,
    fmt: str = "auto",
    timezone: str = "America/New_York",
    max_bad_rows: int = 0,
    overrides: dict | None = None,
    max_unpacked: int = 10**9,
) -> tuple[TypedOutput, duckdb.DuckDBPyConnection]:
    settings = ImportSettings(
        timezone=timezone, max_bad_rows=max_bad_rows, overrides=overrides or {}
    )
    con = ingest_connection(settings)
    limits = ReadLimits(max_unpacked_bytes=max_unpacked)
    source = open_source(path, path.name, fmt, work_dir, limits)
    try:
        return read_source(con, source, settings, work_dir), con
    finally:
        source.cleanup()


def rows(
    con: duckdb.DuckDBPyConnection, output: TypedOutput, select: str = "*", tail: str = ""
) -> list:
    """``SELECT {select} FROM <the imported rows> {tail}``."""
    return con.execute(f"SELECT {select} FROM {dataset_relation(output.path)} {tail}").fetchall()


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path
