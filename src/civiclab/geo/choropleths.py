"""Which boundary an indicator broken down by area can be mapped on: the city's boundary
whose area labels match the values of the indicator's breakdown column. "Map by area" is
offered only when one matches, so no one opens a map with nothing to colour."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from civiclab.datasets.engine import QueryError, TableFile
from civiclab.datasets.ingest.columns import quote_ident
from civiclab.datasets.models import Dataset
from civiclab.datasets.queries import column_types, open_query, version_path
from civiclab.geo.models import Boundary

MAX_VALUES = 50_000  # distinct values read from a column; areas are far fewer


def breakdown_column(spec: dict[str, Any]) -> str | None:
    """The one column an indicator is broken down by, or None (none, or several)."""
    breakdown = spec.get("breakdown")
    if isinstance(breakdown, list):
        return str(breakdown[0]) if len(breakdown) == 1 else None
    return str(breakdown) if breakdown else None


def column_values(dataset: Dataset, column: str) -> frozenset[str]:
    """The distinct values of ``column`` in the dataset's current version, as text."""
    version = dataset.current_version
    if version is None or column not in column_types(version):
        return frozenset()
    try:
        return _distinct(str(version_path(version)), column)
    except QueryError:  # not kept: a query stopped by the limits may pass another time
        return frozenset()


@lru_cache(maxsize=256)
def _distinct(path: str, column: str) -> frozenset[str]:
    # A version's file never changes: its distinct values can be kept.
    with open_query([TableFile("data", Path(path))]) as query:
        table = query.execute_arrow(
            f"SELECT DISTINCT CAST({quote_ident(column)} AS VARCHAR) AS v FROM data "
            f"WHERE {quote_ident(column)} IS NOT NULL LIMIT {MAX_VALUES}"
        )
    return frozenset(str(v) for v in table.column("v").to_pylist())


def boundary_labels(boundary: Boundary) -> frozenset[str]:
    """The distinct labels of a boundary's areas."""
    return column_values(boundary.dataset, boundary.label_column)


def matching_boundary(
    indicator: Any, user: Any, boundaries: list[Boundary] | None = None
) -> Boundary | None:
    """The boundary (among those ``user`` may see: ``boundaries``, when the caller has read
    them already) whose labels share the most values with the indicator's breakdown column;
    None when no label matches any value."""
    from civiclab.geo.queries import boundaries_of  # queries asks this module

    column = breakdown_column(indicator.spec)
    if column is None:
        return None
    values = column_values(indicator.dataset, column)
    best, shared = None, 0
    if boundaries is None:
        boundaries = boundaries_of(indicator.city, user)
    for boundary in boundaries:
        found = len(boundary_labels(boundary) & values)
        if found > shared:
            best, shared = boundary, found
    return best
