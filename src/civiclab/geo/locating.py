"""Where a dataset's rows are located (``coordinates.find_location``), asked of its current
version's file. A text column is recognised from its values, which costs a short read; a
version never changes once written, so the answer is kept per file."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from civiclab.datasets.engine import QueryError, TableFile
from civiclab.datasets.models import Dataset
from civiclab.datasets.queries import column_types, open_query, version_path
from civiclab.geo.spatial.coordinates import (
    LocationSource,
    NoLocation,
    find_location,
    typed_location,
)

CACHED_VERSIONS = 1024


def location_of(dataset: Dataset) -> LocationSource | None:
    """How the current version's rows are located, or None (no version, or no location)."""
    version = dataset.current_version
    if version is None:
        return None
    columns = column_types(version)
    typed = typed_location(columns)
    if typed is not None:
        return typed  # no need to read the file
    try:
        return _text_location(str(version_path(version)), json.dumps(columns))
    except QueryError:  # not kept: a query stopped by the limits may pass another time
        return None


def has_locations(dataset: Dataset) -> bool:
    """Can ``dataset`` be mapped and used by spatial analyses?"""
    return location_of(dataset) is not None


@lru_cache(maxsize=CACHED_VERSIONS)
def _text_location(path: str, columns_json: str) -> LocationSource | None:
    columns = json.loads(columns_json)
    try:
        with open_query([TableFile("data", Path(path))]) as query:
            return find_location("data", columns, query.execute_arrow)
    except NoLocation:
        return None
