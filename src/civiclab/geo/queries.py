"""Scoped reads of the geo app: the datasets a user may put on a map or analyse, the city's
boundaries they may see, the indicators they may map by area.

The visibility rules are those of ``datasets.queries`` and ``indicators.queries``; views and
the API ask here rather than filtering on their own. Whether a dataset has locations at all
(:func:`has_locations`) is asked of its current version's file and kept per file."""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from civiclab.datasets.engine import QueryError, TableFile
from civiclab.datasets.models import Dataset
from civiclab.datasets.queries import (
    column_types,
    open_query,
    version_path,
    version_query,
    visible_datasets,
)
from civiclab.geo.choropleths import matching_boundary
from civiclab.geo.models import BaseLayer, Boundary
from civiclab.geo.spatial.coordinates import (
    LocationSource,
    NoLocation,
    find_location,
    typed_location,
)
from civiclab.geo.spatial.layers import (
    Layer,
    LayerError,
    LayerRequest,
    LocatedRows,
    build_layer,
    located_rows,
)
from civiclab.indicators.models import Indicator
from civiclab.indicators.queries import visible_indicators

if TYPE_CHECKING:  # pyarrow is heavy: the module is imported at start-up
    import pyarrow as pa

CACHED_VERSIONS = 1024


# --- Where a dataset's rows are ------------------------------------------------------------


def location_of(dataset: Dataset) -> LocationSource | None:
    """How the current version's rows are located (``coordinates.find_location``), or None
    (no version, or no location). A text column is recognised from its values, which costs a
    short read; a version never changes once written, so the answer is kept per file."""
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
    """Can ``dataset`` be mapped and used by spatial analyses? True when its current version
    has latitude and longitude columns, a geometry, or a text column of locations. (Also the
    "Map" link geo contributes to the dataset page.)"""
    return location_of(dataset) is not None


@lru_cache(maxsize=CACHED_VERSIONS)
def _text_location(path: str, columns_json: str) -> LocationSource | None:
    columns = json.loads(columns_json)
    try:
        with open_query([TableFile("data", Path(path))]) as query:
            return find_location("data", columns, query.execute_arrow)
    except NoLocation:
        return None


# --- A dataset's map layer ----------------------------------------------------------------


def dataset_layer(dataset: Dataset, request: LayerRequest) -> Layer:
    """The layer of ``dataset``'s current version; the caller has checked it may be seen.
    Raises ``LayerError``, ``NoLocation`` or ``QueryError`` with a message for people."""
    version = dataset.current_version
    if version is None:
        raise LayerError("the dataset has no data yet")
    location = location_of(dataset)  # kept per file; None: build_layer says why
    path = str(version_path(version))
    with version_query(version) as query:

        def located(found: LocationSource) -> LocatedRows | None:
            if version.rows > LOCATED_ROWS_KEPT_UP_TO:  # too big to keep: read each time
                return located_rows("data", found, query.execute_arrow)
            try:  # the file itself, not only its name: a path may be written again
                stat = os.stat(path)
            except OSError:
                return located_rows("data", found, query.execute_arrow)
            key = (path, stat.st_ino, stat.st_size, stat.st_mtime_ns, found)
            return _located_rows(key, lambda: located_rows("data", found, query.execute_arrow))

        def all_rows() -> pa.Table | None:
            try:
                stat = os.stat(path)
            except OSError:
                return None
            if stat.st_size > KEPT_FILE_BYTES_UP_TO:
                return None
            key = (path, stat.st_ino, stat.st_size, stat.st_mtime_ns)
            return _kept_rows(key, lambda: query.execute_arrow('SELECT * FROM "data"'))

        return build_layer(
            "data",
            column_types(version),
            request,
            query.execute_arrow,
            timezone=dataset.city.timezone,
            location=location,
            located=located,
            all_rows=all_rows,
        )


# Every row's location of the last few versions mapped, in this process: reading and parsing
# them is most of a map view's time, the same for every view of a version (a version never
# changes once written); ~16 bytes a row.
LOCATED_VERSIONS = 4
LOCATED_ROWS_KEPT_UP_TO = 2_000_000
_located: OrderedDict[tuple[Any, ...], LocatedRows | None] = OrderedDict()
_located_lock = threading.Lock()


# Every row of the small versions mapped lately, in this process: a view at street level
# takes its few rows from them instead of scanning the file again (13 of the streets view's
# 40 ms on the demo's 16,721 rows). A version's file up to 8 MB (its rows in memory are a few
# times that); at most 96 MB of rows in all, the least recently mapped dropped first.
KEPT_FILE_BYTES_UP_TO = 8 * 1024**2
KEPT_ROWS_BYTES = 96 * 1024**2
_kept: OrderedDict[tuple[Any, ...], pa.Table | None] = OrderedDict()


def _kept_rows(key: tuple[Any, ...], read: Callable[[], pa.Table]) -> pa.Table | None:
    """The rows kept for ``key``, read once; None for a version whose rows alone would pass
    ``KEPT_ROWS_BYTES`` (remembered, so its views take the scan path without reading it all)."""
    with _located_lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    rows: pa.Table | None = read()
    if rows is not None and rows.nbytes > KEPT_ROWS_BYTES:
        rows = None
    with _located_lock:
        _kept[key] = rows
        while sum(t.nbytes for t in _kept.values() if t is not None) > KEPT_ROWS_BYTES or (
            len(_kept) > CACHED_VERSIONS
        ):
            _kept.popitem(last=False)
    return rows


def _located_rows(
    key: tuple[Any, ...], read: Callable[[], LocatedRows | None]
) -> LocatedRows | None:
    with _located_lock:
        if key in _located:
            _located.move_to_end(key)
            return _located[key]
    rows = read()
    with _located_lock:
        _located[key] = rows
        while len(_located) > LOCATED_VERSIONS:
            _located.popitem(last=False)
    return rows


# --- Scoped reads ---------------------------------------------------------------------------


def datasets_with_data(user: Any, city: Any = None) -> QuerySet[Dataset]:
    """The datasets ``user`` may see that have a current version (in ``city``, if given):
    those a map or a spatial analysis can read."""
    found = visible_datasets(user).filter(current_version__isnull=False)
    return found.filter(city=city) if city is not None else found


def mappable_datasets(user: Any, city: Any) -> list[Dataset]:
    """The datasets of ``city`` that ``user`` may see and that have locations, by name."""
    return [d for d in datasets_with_data(user, city).order_by("name") if has_locations(d)]


def city_datasets(user: Any, city_slug: str) -> list[Dataset]:
    """The datasets of the city ``city_slug`` that ``user`` may see, by name: one scoped read
    for a page that needs the dataset it shows and the city's layers beside it (the map page
    read the same visibility rule four times)."""
    return list(visible_datasets(user).filter(city__slug=city_slug).order_by("name"))


def base_layers(user: Any, dataset: Dataset, seen: list[Dataset] | None = None) -> list[Dataset]:
    """The other datasets of ``dataset``'s city, visible to ``user``, with a geometry column:
    the shapes a map may draw under ``dataset``'s rows, by name. ``seen``: the city's datasets
    ``user`` may see (:func:`city_datasets`), when the caller has them."""
    others: list[Dataset] = (
        list(datasets_with_data(user, dataset.city).order_by("name"))
        if seen is None
        else [d for d in seen if d.current_version_id is not None]
    )
    return [
        d
        for d in others
        if d.pk != dataset.pk and "geometry" in column_types(d.current_version).values()
    ]


def shape_datasets(user: Any, city: Any) -> list[Dataset]:
    """The datasets of ``city`` that ``user`` may see whose current version has a geometry
    column: those a city may attach as boundaries or mark as base layers, by name."""
    found = datasets_with_data(user, city).select_related("current_version").order_by("name")
    return [d for d in found if "geometry" in column_types(d.current_version).values()]


def _with_seen_datasets(layers: Any, seen: list[Dataset]) -> list[Any]:
    """``layers`` (boundaries or base layers of one city) whose dataset is among ``seen``,
    each given its dataset from ``seen``: the scoped read is not run again as a subquery."""
    by_pk = {d.pk: d for d in seen}
    found = [layer for layer in layers if layer.dataset_id in by_pk]
    for layer in found:
        layer.dataset = by_pk[layer.dataset_id]
    return found


def base_layers_of(city: Any, user: Any, seen: list[Dataset] | None = None) -> list[BaseLayer]:
    """The datasets the city marked as base layers that ``user`` may see (a private dataset's
    shapes are as private as its rows), with data to draw. ``seen``: the city's datasets
    ``user`` may see, when the caller has them (:func:`city_datasets`)."""
    if seen is not None:
        drawn = [d for d in seen if d.current_version_id is not None]
        return _with_seen_datasets(BaseLayer.objects.filter(city=city), drawn)
    return list(
        BaseLayer.objects.filter(
            city=city, dataset__in=datasets_with_data(user, city)
        ).select_related("dataset", "dataset__current_version")
    )


def boundaries_of(city: Any, user: Any, seen: list[Dataset] | None = None) -> list[Boundary]:
    """The city's boundary layers whose dataset ``user`` may see. ``seen``: the city's
    datasets ``user`` may see, when the caller has them (:func:`city_datasets`)."""
    if seen is not None:
        return _with_seen_datasets(Boundary.objects.filter(city=city), seen)
    return list(
        Boundary.objects.filter(
            city=city, dataset__in=visible_datasets(user).filter(city=city)
        ).select_related("dataset", "dataset__current_version")
    )


def area_mapped_indicators(
    user: Any, dataset: Dataset, boundaries: list[Boundary] | None = None
) -> list[Indicator]:
    """The indicators over ``dataset`` that ``user`` may see and that can be mapped by area
    (a boundary of the city matches their breakdown), by name. ``boundaries``: the city's
    that ``user`` may see, when the caller has them (read once for every indicator)."""
    indicators = list(visible_indicators(user).filter(dataset=dataset).order_by("name"))
    if not indicators:
        return []
    if boundaries is None:
        boundaries = boundaries_of(dataset.city, user)
    return [i for i in indicators if matching_boundary(i, user, boundaries) is not None]
