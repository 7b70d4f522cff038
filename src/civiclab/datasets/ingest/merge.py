"""Append and upsert: a new version from the previous one and a new import."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from civiclab.datasets.ingest.columns import (
    ColumnSpec,
    ColumnType,
    fetch_row,
    quote_ident,
    quote_literal,
)
from civiclab.datasets.ingest.pipeline import REFUSED_COLUMN, dataset_relation
from civiclab.datasets.ingest.report import IngestError, english
from civiclab.lazy_modules import lazy_module

if TYPE_CHECKING:
    import duckdb
else:
    duckdb = lazy_module("duckdb")

UPDATED_NAME = re.compile(r"updated|modified|last.?change", re.I)


def check_same_columns(previous: list[ColumnSpec], incoming: list[str]) -> None:
    """Appending or upserting needs the file to have the columns the dataset was built from."""
    expected = [spec.source for spec in previous]
    missing = [c for c in expected if c not in incoming]
    extra = [c for c in incoming if c not in expected]
    if missing or extra:
        if missing and extra:
            template = english(
                "To append or upsert, the file needs the dataset's columns: missing {missing}; "
                "new {extra}. Import it with --mode replace to change the columns."
            )
        elif missing:
            template = english(
                "To append or upsert, the file needs the dataset's columns: missing {missing}. "
                "Import it with --mode replace to change the columns."
            )
        else:
            template = english(
                "To append or upsert, the file needs the dataset's columns: new {extra}. "
                "Import it with --mode replace to change the columns."
            )
        raise IngestError(
            template,
            code="columns",
            params={
                "missing": ", ".join(map(repr, missing)),
                "extra": ", ".join(map(repr, extra)),
            },
        )


def updated_column(columns: list[ColumnSpec]) -> str | None:
    """The timestamp that says which copy of a row is newest (e.g. 'updated_datetime')."""
    for spec in columns:
        if spec.type in (ColumnType.TIMESTAMP, ColumnType.DATE) and UPDATED_NAME.search(spec.name):
            return spec.name
    return None


def merge(
    con: duckdb.DuckDBPyConnection,
    previous: Path,
    incoming: Path,
    columns: list[ColumnSpec],
    mode: str,
    target: Path,
    key: str | None = None,
) -> None:
    """Write ``target``: the previous rows plus the new ones (append), or one row per key,
    the one with the latest update timestamp, new rows winning ties (upsert)."""
    old, new = dataset_relation(previous), dataset_relation(incoming)
    if mode == "append":
        select = f"SELECT * FROM {old} UNION ALL BY NAME SELECT * FROM {new}"
    elif mode == "upsert":
        names = [spec.name for spec in columns]
        if not key or key not in names:
            raise IngestError(
                "Upsert needs --key naming one of the columns ({columns}).",
                code="key",
                params={"columns": ", ".join(map(repr, names))},
            )
        k = quote_ident(key)
        empty = fetch_row(con, f"SELECT count(*) FROM {new} WHERE {k} IS NULL")[0]
        if empty:
            raise IngestError(
                "{rows} row(s) have no value in the key column {key!r}: they cannot be matched.",
                code="key",
                params={"rows": empty, "key": key},
            )
        updated = updated_column(columns)
        order = f"{quote_ident(updated)} DESC NULLS LAST, " if updated else ""
        select = (
            "SELECT * EXCLUDE (__from_new) FROM ("
            f"SELECT *, 0 AS __from_new FROM {old} UNION ALL BY NAME "
            f"SELECT *, 1 AS __from_new FROM {new}) "
            f"QUALIFY row_number() OVER (PARTITION BY {k} ORDER BY {order}__from_new DESC) = 1"
        )
    else:
        raise IngestError(
            "Unknown mode {mode!r}: use replace, append or upsert.",
            code="mode",
            params={"mode": mode},
        )
    ordered = ", ".join(quote_ident(spec.name) for spec in columns)
    con.execute(
        f"COPY (SELECT {ordered}, FALSE AS {REFUSED_COLUMN} FROM ({select})) "
        f"TO {quote_literal(str(target))} (FORMAT parquet)"
    )
