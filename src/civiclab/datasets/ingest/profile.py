"""A profile of one dataset version: per column type, nulls, distinct values, range, top values."""

from __future__ import annotations

from typing import Any

import duckdb

from civiclab.datasets.ingest.columns import ColumnSpec, ColumnType, quote_ident

TOP_VALUES = 5
ORDERED = {
    ColumnType.INTEGER,
    ColumnType.DECIMAL,
    ColumnType.DATE,
    ColumnType.TIMESTAMP,
    ColumnType.LATITUDE,
    ColumnType.LONGITUDE,
}
TEXTUAL = {ColumnType.TEXT, ColumnType.CATEGORY}


def profile_relation(
    con: duckdb.DuckDBPyConnection, relation: str, columns: list[ColumnSpec]
) -> dict[str, Any]:
    """One scan for counts, distinct estimates and ranges; top values for text columns.

    Returns ``{"rows": n, "columns": [{name, type, nulls, null_share, distinct, min, max,
    top}]}``; ``min``/``max`` of time columns are their covered range, as ISO text.
    """
    selects = ["count(*) AS rows"]
    for i, spec in enumerate(columns):
        column = quote_ident(spec.name)
        selects.append(f"count({column}) AS n{i}")
        if spec.type is not ColumnType.GEOMETRY:
            selects.append(f"approx_count_distinct({column}) AS d{i}")
        if spec.type in ORDERED:
            selects.append(f"min({column}) AS lo{i}, max({column}) AS hi{i}")
        if spec.type in TEXTUAL:
            selects.append(f"approx_top_k({column}, {TOP_VALUES}) AS top{i}")
    row = con.execute(f"SELECT {', '.join(selects)} FROM {relation}").fetchone()
    stats = dict(zip([d[0] for d in con.description], row, strict=True))
    total = stats["rows"]
    result = []
    tops: dict[int, list[str]] = {}
    for i, spec in enumerate(columns):
        present = stats[f"n{i}"]
        entry: dict[str, Any] = {
            "name": spec.name,
            "type": spec.type.value,
            "nulls": total - present,
            "null_share": round((total - present) / total, 4) if total else 0.0,
            "distinct": stats.get(f"d{i}"),
            "min": _plain(stats.get(f"lo{i}")),
            "max": _plain(stats.get(f"hi{i}")),
        }
        if spec.type in TEXTUAL:
            tops[i] = [v for v in (stats.get(f"top{i}") or []) if v is not None]
        result.append(entry)
    _count_top_values(con, relation, columns, tops, result)
    return {"rows": total, "columns": result}


def _count_top_values(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    columns: list[ColumnSpec],
    tops: dict[int, list[str]],
    result: list[dict[str, Any]],
) -> None:
    """Exact counts for the candidate top values, all columns in one more scan."""
    selects, keys = [], []
    params: list[Any] = []
    for i, values in tops.items():
        for j, value in enumerate(values):
            selects.append(f"count(*) FILTER ({quote_ident(columns[i].name)} = ?) AS t{i}_{j}")
            params.append(value)
            keys.append((i, j, value))
    for i in tops:
        result[i]["top"] = []
    if not selects:
        return
    row = con.execute(f"SELECT {', '.join(selects)} FROM {relation}", params).fetchone()
    for (i, _j, value), count in zip(keys, row, strict=True):
        result[i]["top"].append({"value": value, "count": count})
    for i in tops:
        result[i]["top"].sort(key=lambda item: -item["count"])


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, int | float | str | bool):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
