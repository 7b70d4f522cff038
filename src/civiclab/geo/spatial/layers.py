"""A dataset as a map layer: GeoJSON for the part of the map in view, small whatever the data.

The browser asks for the features inside its bounding box at its zoom. When more than
``limit`` located rows fall in the box, the answer is clusters — one point per grid cell of
about :data:`CELL_PX` screen pixels, with the number of rows in it — so 100,000 points arrive
as a few hundred features. Under the limit the rows come themselves: points, or lines and
polygons simplified to about half a pixel at that zoom, each with its columns for the popup.

Rows are read through the sandboxed query engine (``run``: sql, params → Arrow table), with
the same filters and the same parameterised conditions as indicators. Rows without a
location are counted, never dropped silently; so are rows far outside the city (see
``coordinates.city_extent``), which are drawn but left out of the bounds the map fits.
Pure: no Django.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from civiclab.datasets.display import json_value
from civiclab.datasets.filters.language import Filter, SpecError, parse_filter
from civiclab.datasets.filters.sql import compile_filters
from civiclab.datasets.ingest.columns import quote_ident
from civiclab.geo.spatial.coordinates import CityExtent, LocationSource, city_extent, find_location
from civiclab.lazy_modules import lazy_module

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa
    import shapely
else:
    np = lazy_module("numpy")
    pa = lazy_module("pyarrow")
    shapely = lazy_module("shapely")

RunArrow = Callable[[str, list[Any]], "pa.Table"]  # quoted: pyarrow loads on first use
BBox = tuple[float, float, float, float]  # west, south, east, north in degrees

CELL_PX = 64  # a cluster cell, in screen pixels at the requested zoom
DEFAULT_LIMIT = 5_000  # rows in view drawn one by one; more are clustered
MAX_LIMIT = 20_000
WORLD: BBox = (-180.0, -85.0511, 180.0, 85.0511)  # what Web Mercator can show
COORDINATE_DIGITS = 6  # ~0.1 m: more is noise on a map and bytes on the wire
PLACE = "__civiclab_place"  # a row's place in its scan, from 0


class LayerError(ValueError):
    """The request cannot be answered: an unknown column, a filter that does not fit.

    ``template`` is an English template filled with ``params`` and, for a filter's
    problems, ``{problems}`` with those of ``spec_error``: pages and the API say it in the
    reader's language (geo/layer_errors.py); ``str()`` is the English text.
    """

    def __init__(
        self,
        template: str,
        params: dict[str, str] | None = None,
        spec_error: SpecError | None = None,
    ) -> None:
        self.template = template
        self.params = dict(params or {})
        self.spec_error = spec_error
        problems = "; ".join(message for _, message in spec_error.problems) if spec_error else ""
        english = (
            template.format(**self.params, problems=problems)
            if self.params or spec_error
            else template
        )
        super().__init__(english)


@dataclass(frozen=True)
class LayerRequest:
    bbox: BBox | None = None  # None: everywhere
    zoom: float | None = None  # None: chosen so the bbox is about 1,000 px wide
    limit: int = DEFAULT_LIMIT
    filters: Sequence[Filter] = ()


@dataclass
class Layer:
    """A GeoJSON FeatureCollection and what it stands for."""

    features: list[dict[str, Any]]
    matched: int  # rows the filters keep
    without_location: int  # of those, rows with no usable location
    in_view: int  # located rows inside the bbox
    clustered: bool
    bounds: BBox | None  # of the located matching rows not far outside, to fit the map
    kinds: list[str] = field(default_factory=list)  # "point", "line", "polygon" drawn
    far_outside: int = 0  # located matching rows far outside the city (drawn all the same)
    extent: CityExtent | None = None  # of every row of the dataset, filters or not

    def geojson(self) -> dict[str, Any]:
        """The FeatureCollection; the counts travel as a foreign member (RFC 7946 §6.1)."""
        return {
            "type": "FeatureCollection",
            "features": self.features,
            "summary": {
                "matched": self.matched,
                "without_location": self.without_location,
                "in_view": self.in_view,
                "clustered": self.clustered,
                "bounds": list(self.bounds) if self.bounds else None,
                "kinds": self.kinds,
                "far_outside": self.far_outside,
                "far_radius_m": round(self.extent.radius_m) if self.extent else None,
            },
        }


# -- filters ----------------------------------------------------------------------------------
def filter_condition(
    filters: Sequence[Filter], columns: dict[str, str], timezone: str = "UTC"
) -> tuple[str, list[Any]]:
    """The SQL condition for ``filters`` and its parameters, built by the filter compiler
    indicators use too (``datasets/filters``): column names checked and quoted, values passed
    as ``$n`` parameters, dates and times read in ``timezone``, the city's."""
    try:
        return compile_filters(list(filters), columns, timezone=timezone)
    except SpecError as exc:
        raise LayerError("{problems}", spec_error=exc) from None


def make_filter(column: str, op: str, value: Any) -> Filter:
    """A checked filter; a value that does not fit the operator is a :class:`LayerError`."""
    try:
        return parse_filter({"column": column, "op": op, "value": value})
    except SpecError as exc:
        raise LayerError("filter on {column!r}: {problems}", {"column": column}, exc) from None


# -- the layer ------------------------------------------------------------------------------
@dataclass(frozen=True)
class LocatedRows:
    """Every row's longitude and latitude (NaN without a location; read-only arrays) and
    the city's extent from them: what each view of an unfiltered layer starts from, the
    same for every view of one version, so a caller may keep it (geo.queries does)."""

    lon: np.ndarray
    lat: np.ndarray
    extent: CityExtent | None
    far: np.ndarray | None = None  # rows far outside the city (worked out once per version)


def _read_located(
    source: str, lon_sql: str, lat_sql: str, condition: str, values: list[Any], run: RunArrow
) -> tuple[np.ndarray, np.ndarray]:
    located = run(
        f"SELECT {lon_sql} AS lon, {lat_sql} AS lat FROM {source} WHERE {condition}", values
    )
    lon, lat = _floats(located.column("lon")), _floats(located.column("lat"))
    valid = (np.abs(lat) <= 90) & (np.abs(lon) <= 180)  # NaN compares False
    return np.where(valid, lon, np.nan), np.where(valid, lat, np.nan)


def located_rows(table: str, location: LocationSource, run: RunArrow) -> LocatedRows | None:
    """:class:`LocatedRows` of ``table`` located by ``location`` (None for a geometry
    column, whose shapes are read with the rows)."""
    coordinates = location.lon_lat_sql()
    if coordinates is None:
        return None
    lon, lat = _read_located(quote_ident(table), *coordinates, "TRUE", [], run)
    lon.flags.writeable = False  # shared by the views that reuse it
    lat.flags.writeable = False
    extent = city_extent(lon, lat)
    far = extent.far(lon, lat) if extent else np.zeros(len(lon), bool)
    far.flags.writeable = False
    return LocatedRows(lon, lat, extent, far)


def build_layer(
    table: str,
    columns: dict[str, str],
    request: LayerRequest,
    run: RunArrow,
    *,
    timezone: str = "UTC",
    location: LocationSource | None = None,
    located: Callable[[LocationSource], LocatedRows | None] | None = None,
    all_rows: Callable[[], pa.Table | None] | None = None,
) -> Layer:
    """The layer of ``table`` (a dataset's view) for ``request``; dates and times in its
    filters are read in ``timezone`` (the city's). A caller that keeps what does not change
    between views of one version passes ``location`` (how the rows are located) and
    ``located`` (gives the :class:`LocatedRows` for it); without them they are read here.
    ``all_rows`` gives every row of ``table`` in scan order when the caller keeps them (None
    when it does not, for a large table): the rows in view are then taken from it."""
    where, params = filter_condition(request.filters, columns, timezone)
    limit = max(1, min(request.limit, MAX_LIMIT))
    bbox = _clamped(request.bbox) if request.bbox else WORLD
    found = location if location is not None else find_location(table, columns, run)
    source = quote_ident(table)
    coordinates = found.lon_lat_sql()
    if coordinates is not None:
        lon_sql, lat_sql = coordinates
        whole = (located or (lambda f: located_rows(table, f, run)))(found)
        assert whole is not None  # located by coordinates
        far = None
        if request.filters:
            lon, lat = _read_located(source, lon_sql, lat_sql, where, params, run)
        else:
            lon, lat, far = whole.lon, whole.lat, whole.far
        extent = whole.extent
        has = np.isfinite(lon) & np.isfinite(lat)
        inside = has & _in_box(lon, lat, bbox)
        layer = _counted(len(lon), lon, lat, has, inside, extent, far=far)
        if layer.in_view > limit:
            return _clustered(layer, lon[inside], lat[inside], request.zoom, bbox)
        if layer.in_view == 0:  # nothing to draw: no need to scan the rows again
            return layer
        # The rows in view are known by their place in the scan (``lon``/``lat`` were read in
        # it, and DuckDB keeps a scan's order without ORDER BY): fetch those places, and work
        # the location out of those rows only. Asking DuckDB for the rows whose location falls
        # in the box ran the location's SQL (regular expressions, for a text location) over
        # every row of the dataset at every view: 35 ms of 16,721 rows' 40. Their coordinates
        # are those already read (``lon``/``lat``, in the same order): working them out again
        # from a text location in the query was half its time.
        chosen = np.flatnonzero(inside)[:limit]
        kept = all_rows() if all_rows is not None and not request.filters else None
        if kept is not None:
            rows = kept.take(pa.array(chosen, pa.int64()))
        else:
            places = ",".join(str(int(i)) for i in chosen)
            rows = run(
                f"SELECT * EXCLUDE ({PLACE}) FROM "
                f"(SELECT *, row_number() OVER () - 1 AS {PLACE} FROM {source} WHERE {where}) "
                f"WHERE {PLACE} IN ({places}) ORDER BY {PLACE}",
                params,
            )
        points = shapely.points(lon[chosen], lat[chosen])
        layer.features = _features(points, rows, set())
        layer.kinds = ["point"] if layer.features else []
        return layer
    # A geometry column: shapes are read in Python (the sandbox loads no spatial extension).
    return _shapes_layer(table, found, where, params, request, run, bbox, limit)


def _counted(
    matched: int,
    lon: np.ndarray,
    lat: np.ndarray,
    has: np.ndarray,
    inside: np.ndarray,
    extent: CityExtent | None,
    boxes: np.ndarray | None = None,
    far: np.ndarray | None = None,
) -> Layer:
    """A layer's counts; its bounds (of the rows, or of their ``boxes``) leave out the rows far
    outside the city, unless those are all there is (a filter that keeps only them). ``far``:
    which rows are far outside, when the caller knows (else worked out here)."""
    if far is not None:
        far = has & far
    else:
        far = has & extent.far(lon, lat) if extent else np.zeros(len(lon), bool)
    kept = has & ~far if (has & ~far).any() else has
    bounds = _bounds(lon[kept], lat[kept]) if boxes is None else _box_union(boxes[kept])
    return Layer(
        [], matched, int((~has).sum()), int(inside.sum()), False, bounds,
        far_outside=int(far.sum()), extent=extent,
    )  # fmt: skip


def _box_centres(boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2


def _shapes_layer(
    table: str,
    found: LocationSource,
    where: str,
    params: list[Any],
    request: LayerRequest,
    run: RunArrow,
    bbox: BBox,
    limit: int,
) -> Layer:
    """The layer of a dataset located by a geometry column."""
    source, geometry = quote_ident(table), quote_ident(found.columns[0])

    def boxes_of(condition: str, values: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        blobs = run(f"SELECT {geometry} AS g FROM {source} WHERE {condition}", values).column("g")
        shapes = shapely.from_wkb(blobs.to_numpy(zero_copy_only=False), on_invalid="ignore")
        return shapes, shapely.bounds(shapes)  # NaN for missing shapes

    shapes, boxes = boxes_of(where, params)
    has = ~(shapely.is_missing(shapes) | shapely.is_empty(shapes))
    inside = has & ~(
        (boxes[:, 0] > bbox[2])
        | (boxes[:, 2] < bbox[0])
        | (boxes[:, 1] > bbox[3])
        | (boxes[:, 3] < bbox[1])
    )
    # A shape stands at the middle of its box: cheap, and inside the cell that matters.
    x, y = _box_centres(boxes)
    extent = city_extent(*(_box_centres(boxes_of("TRUE", [])[1]) if request.filters else (x, y)))
    layer = _counted(len(shapes), x, y, has, inside, extent, boxes)
    if layer.in_view > limit:
        return _clustered(layer, x[inside], y[inside], request.zoom, bbox)
    chosen = np.flatnonzero(inside)
    # Same query, same order (DuckDB keeps a scan's order without ORDER BY): take the rows.
    rows = run(f"SELECT * FROM {source} WHERE {where}", params).take(pa.array(chosen, pa.int64()))
    drawn = shapes[chosen]
    if not np.all(shapely.get_type_id(drawn) == 0):
        drawn = shapely.simplify(
            drawn, _pixel_degrees(request.zoom, bbox) / 2, preserve_topology=True
        )
    layer.features = _features(drawn, rows, {found.columns[0]})
    layer.kinds = _kinds(drawn)
    return layer


def _clustered(
    layer: Layer, lon: np.ndarray, lat: np.ndarray, zoom: float | None, bbox: BBox
) -> Layer:
    """Points into square cells of ~CELL_PX pixels on a Web Mercator grid anchored at 0, 0, so
    a cell keeps its members while the map pans. A cluster sits at its members' mean."""
    cell = _pixel_degrees(zoom, bbox) * CELL_PX
    x = np.floor(lon / cell).astype(np.int64)
    y = np.floor(_mercator_y(lat) / cell).astype(np.int64)
    # One int64 per cell, ordered as (x, y) pairs would be: np.unique over a 1-D array sorts
    # numbers, where over rows (axis=0) it sorts opaque byte strings, ~20 times slower.
    keys = x * 2**32 + (y + 2**31)
    _, which, counts = np.unique(keys, return_inverse=True, return_counts=True)
    which = which.ravel()
    mean_lon = np.bincount(which, lon) / counts
    mean_lat = np.bincount(which, lat) / counts
    layer.features = [
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [
                    round(float(a), COORDINATE_DIGITS),
                    round(float(b), COORDINATE_DIGITS),
                ],
            },
            "properties": {"cluster": True, "count": int(n)},
        }
        for a, b, n in zip(mean_lon, mean_lat, counts, strict=True)
    ]
    layer.clustered = True
    layer.kinds = ["cluster"]
    return layer


def _features(shapes: np.ndarray, rows: pa.Table, skip: set[str]) -> list[dict[str, Any]]:
    """A Feature per shape, with the row's columns (geometries left out) as properties."""
    names = [n for n in rows.column_names if n not in skip]
    values = [_json_column(rows.column(name)) for name in names]
    texts = shapely.to_geojson(shapely.set_precision(shapes, 10**-COORDINATE_DIGITS))
    features = []
    for i, text in enumerate(texts):
        if text is None:
            continue
        properties = {name: column[i] for name, column in zip(names, values, strict=True)}
        features.append({"type": "Feature", "geometry": json.loads(text), "properties": properties})
    return features


def _json_column(column: pa.ChunkedArray) -> list[Any]:
    """A column's values as JSON carries them (``json_value``), converted a column at a time:
    text, integers and booleans leave Arrow as they are, floats lose only their NaN and
    infinities, and only the other types go value by value (a few streets' rows of a wide
    dataset were ~2,700 values, 10 ms one by one)."""
    kind = column.type
    found: list[Any] = column.to_pylist()
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_integer(kind):
        return found
    if pa.types.is_boolean(kind) or pa.types.is_null(kind):
        return found
    if pa.types.is_floating(kind):
        return [v if v is None or math.isfinite(v) else None for v in found]
    return [json_value(v) for v in found]


def _kinds(shapes: np.ndarray) -> list[str]:
    names = {0: "point", 4: "point", 1: "line", 2: "line", 5: "line", 3: "polygon", 6: "polygon"}
    return sorted({names.get(int(k), "polygon") for k in np.unique(shapely.get_type_id(shapes))})


# -- geometry helpers ---------------------------------------------------------------------------
def zoom_for(bbox: BBox, width_px: int = 1000) -> float:
    """The Web Mercator zoom at which ``bbox`` is about ``width_px`` pixels wide."""
    span = max(bbox[2] - bbox[0], 1e-9)
    return max(0.0, min(22.0, math.log2(360 * width_px / (256 * span))))


def _pixel_degrees(zoom: float | None, bbox: BBox) -> float:
    """Degrees of longitude per screen pixel at ``zoom`` (256-pixel tiles)."""
    z = zoom_for(bbox) if zoom is None else max(0.0, min(22.0, zoom))
    return 360.0 / (256 * 2**z)


def _mercator_y(lat: np.ndarray) -> np.ndarray:
    """Latitude as Web Mercator y, in degrees, so cells are square on the screen."""
    clipped = np.radians(np.clip(lat, WORLD[1], WORLD[3]))
    return np.asarray(np.degrees(np.log(np.tan(np.pi / 4 + clipped / 2))), float)


def _in_box(lon: np.ndarray, lat: np.ndarray, bbox: BBox) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.asarray((lon >= bbox[0]) & (lon <= bbox[2]) & (lat >= bbox[1]) & (lat <= bbox[3]))


def _clamped(bbox: BBox) -> BBox:
    west, south, east, north = bbox
    if not all(math.isfinite(v) for v in bbox) or west > east or south > north:
        raise LayerError(
            "bbox must be west,south,east,north in degrees, west ≤ east, south ≤ north"
        )
    return (max(west, -180.0), max(south, -90.0), min(east, 180.0), min(north, 90.0))


def _bounds(lon: np.ndarray, lat: np.ndarray) -> BBox | None:
    if not len(lon):
        return None
    return (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))


def _box_union(boxes: np.ndarray) -> BBox | None:
    if not len(boxes):
        return None
    return (
        float(boxes[:, 0].min()),
        float(boxes[:, 1].min()),
        float(boxes[:, 2].max()),
        float(boxes[:, 3].max()),
    )


def _floats(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=float)
