"""Where each row of a dataset is: longitude and latitude read from its columns.

A dataset locates its rows, in this order of preference, with a latitude and a longitude
column, with a geometry column (WKB in EPSG:4326, as imports write it), or with a text column
whose values are locations as portals export them (:data:`TEXT_FORMATS`: Socrata's
``(39.2904, -76.6122)``, WKT ``POINT (-76.61 39.29)``, GeoJSON points, Socrata's location
objects). A text column is recognised from its values, not its name: it is one when nearly
every value of a sample reads as a location in one format. Points are used as they are; a
line or a polygon stands at its representative point (a point inside it), which is how
proximity and maps treat parcels and buildings until distances between shapes are needed.
Rows without a location are kept, as NaN, and counted.

Rows far outside the city — placeholder coordinates such as Baltimore's ``(39.0, -77.0)``,
or a geocoder's wild guess — are found by :func:`city_extent` (see there and docs/maps.md):
they are counted and reported by every analysis, and left out of a hotspot's study area
unless kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from civiclab.datasets.ingest.columns import quote_ident, quote_literal
from civiclab.lazy_modules import lazy_module

if TYPE_CHECKING:
    import numpy as np
    import shapely
else:
    np = lazy_module("numpy")
    shapely = lazy_module("shapely")

RunArrow = Callable[[str, list[Any]], Any]  # (sql, params) → pyarrow.Table


class NoLocation(ValueError):
    """The dataset has no latitude/longitude pair, no geometry and no text location column."""


NO_LOCATION = (
    "the dataset has no latitude and longitude columns, no geometry column and no column of "
    "locations written like (39.29, -76.61) or POINT (-76.61 39.29)"
)

# -- locations written as text -------------------------------------------------------------
NUMBER = r"([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)"


@dataclass(frozen=True)
class TextFormat:
    """One way of writing a point as text: a pattern (RE2 and Python alike) for each
    coordinate, and the group of the pattern that holds it."""

    name: str
    lat_pattern: str
    lat_group: int
    lon_pattern: str
    lon_group: int

    def read(self, text: str) -> tuple[float, float] | None:
        """(lon, lat) of ``text``, or None when it is not a point in this format or its
        coordinates are out of range."""
        lat = re.search(self.lat_pattern, text)
        lon = re.search(self.lon_pattern, text)
        if lat is None or lon is None:
            return None
        y, x = float(lat.group(self.lat_group)), float(lon.group(self.lon_group))
        return (x, y) if abs(y) <= 90 and abs(x) <= 180 else None


def _format(name: str, pattern: str, lat_group: int, lon_group: int) -> TextFormat:
    return TextFormat(name, pattern, lat_group, pattern, lon_group)


# Tried in this order; the first that reads nearly every sampled value wins. A pair in
# brackets is (latitude, longitude) as Socrata writes it — possibly after an address, on the
# last line of a "location" cell — unless the first number cannot be a latitude.
_PAIR = rf"\(\s*{NUMBER}\s*,\s*{NUMBER}\s*\)\s*$"
TEXT_FORMATS = (
    _format("(latitude, longitude)", _PAIR, 1, 2),
    _format("(longitude, latitude)", _PAIR, 2, 1),
    _format(
        "POINT (longitude latitude)",
        rf"^\s*(?:[Ss][Rr][Ii][Dd]=\d+;\s*)?[Pp][Oo][Ii][Nn][Tt]\s*(?:[ZzMm]{{1,2}}\s*)?"
        rf"\(\s*{NUMBER}\s+{NUMBER}",
        2,
        1,
    ),
    _format("GeoJSON point", rf"\"coordinates\"\s*:\s*\[\s*{NUMBER}\s*,\s*{NUMBER}", 2, 1),
    TextFormat(
        "Socrata location {latitude, longitude}",
        rf"[\"']latitude[\"']\s*:\s*[\"']?\s*{NUMBER}",
        1,
        rf"[\"']longitude[\"']\s*:\s*[\"']?\s*{NUMBER}",
        1,
    ),
    _format(
        "Socrata location [address, latitude, longitude]",
        rf"^\s*\[\s*(?:null|\"(?:[^\"\\]|\\.)*\")\s*,\s*\"?{NUMBER}\"?\s*,\s*\"?{NUMBER}",
        1,
        2,
    ),
)
TEXT_SAMPLE = 200  # non-empty values of each text column read to recognise locations
TEXT_SHARE = 0.9  # share of them that must read as locations in one format
TEXT_KINDS = ("text", "category")


def text_format_of(values: Iterable[str | None]) -> TextFormat | None:
    """The format nearly every (≥ :data:`TEXT_SHARE`) non-empty value is written in, if any."""
    texts = [v for v in values if v is not None and v.strip()]
    if not texts:
        return None
    for candidate in TEXT_FORMATS:
        read = sum(candidate.read(text) is not None for text in texts)
        if read >= TEXT_SHARE * len(texts):
            return candidate
    return None


# -- where a dataset's locations are -------------------------------------------------------
@dataclass(frozen=True)
class LocationSource:
    """The column(s) a dataset's rows are located by."""

    kind: str  # "lat/lon", "geometry" or "text"
    columns: tuple[str, ...]  # (latitude, longitude), (geometry,) or (text,)
    text_format: TextFormat | None = None

    def describe(self) -> str:
        if self.kind == "lat/lon":
            return f"lat/lon columns {self.columns[0]!r}, {self.columns[1]!r}"
        if self.kind == "geometry":
            return f"geometry column {self.columns[0]!r}"
        assert self.text_format is not None
        return f"text column {self.columns[0]!r} written as {self.text_format.name}"

    def lon_lat_sql(self) -> tuple[str, str] | None:
        """SQL giving each row's longitude and latitude as DOUBLE (NULL where there is none),
        or None for a geometry column (shapes are read in Python)."""
        if self.kind == "lat/lon":
            lat, lon = (f"CAST({quote_ident(c)} AS DOUBLE)" for c in self.columns)
            return lon, lat
        if self.kind == "geometry":
            return None
        assert self.text_format is not None
        text = f"CAST({quote_ident(self.columns[0])} AS VARCHAR)"
        f = self.text_format

        def extract(pattern: str, group: int) -> str:
            found = f"regexp_extract({text}, {quote_literal(pattern)}, {group})"
            return f"TRY_CAST(NULLIF({found}, '') AS DOUBLE)"

        lon, lat = extract(f.lon_pattern, f.lon_group), extract(f.lat_pattern, f.lat_group)
        # Out-of-range pairs are no location (NULL), like a latitude column's bad values.
        valid = f"(abs({lat}) <= 90 AND abs({lon}) <= 180)"
        return f"CASE WHEN {valid} THEN {lon} END", f"CASE WHEN {valid} THEN {lat} END"


def typed_location(columns: dict[str, str]) -> LocationSource | None:
    """The latitude and longitude columns, or else the geometry column, by their types."""
    lat = [name for name, kind in columns.items() if kind == "latitude"]
    lon = [name for name, kind in columns.items() if kind == "longitude"]
    if lat and lon:
        return LocationSource("lat/lon", (lat[0], lon[0]))
    geometry = [name for name, kind in columns.items() if kind == "geometry"]
    if geometry:
        return LocationSource("geometry", (geometry[0],))
    return None


def find_location(table: str, columns: dict[str, str], run: RunArrow) -> LocationSource:
    """Where ``table``'s rows are: typed columns first, else the first text column whose
    sampled values are locations. Raises :class:`NoLocation`."""
    typed = typed_location(columns)
    if typed is not None:
        return typed
    candidates = [name for name, kind in columns.items() if kind in TEXT_KINDS]
    if candidates:
        # The first non-empty values of every candidate, in one scan that stops early.
        parts = [
            f"(SELECT {i} AS i, CAST({quote_ident(c)} AS VARCHAR) AS v FROM {quote_ident(table)} "
            f"WHERE NULLIF(trim(CAST({quote_ident(c)} AS VARCHAR)), '') IS NOT NULL "
            f"LIMIT {TEXT_SAMPLE})"
            for i, c in enumerate(candidates)
        ]
        sample = run(" UNION ALL ".join(parts), [])
        values: dict[int, list[str]] = {}
        for i, v in zip(
            sample.column("i").to_pylist(), sample.column("v").to_pylist(), strict=True
        ):
            values.setdefault(i, []).append(v)
        for i, name in enumerate(candidates):
            found = text_format_of(values.get(i, []))
            if found is not None:
                return LocationSource("text", (name,), found)
    raise NoLocation(NO_LOCATION)


# -- rows far outside the city -------------------------------------------------------------
FAR_FACTOR = 5.0  # far: more than this many times the rows' median distance from the centre…
FAR_MIN_M = 20_000.0  # …and never nearer than this (a downtown-heavy dataset's median is small)
EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class CityExtent:
    """Where the bulk of a dataset's rows are: the median point of the located rows, and the
    radius beyond which a row is far outside the city (see :func:`city_extent`)."""

    lon: float
    lat: float
    radius_m: float

    def far(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """True for the rows beyond the radius (False for rows without a location)."""
        with np.errstate(invalid="ignore"):
            return np.asarray(distance_m(self.lon, self.lat, lon, lat) > self.radius_m)


def distance_m(lon0: float, lat0: float, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Great-circle distances (haversine) from one point, in metres; NaN without a location."""
    x0, y0 = np.radians(lon0), np.radians(lat0)
    x, y = np.radians(np.asarray(lon, float)), np.radians(np.asarray(lat, float))
    a = np.sin((y - y0) / 2) ** 2 + np.cos(y0) * np.cos(y) * np.sin((x - x0) / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1))), float)


def city_extent(lon: np.ndarray, lat: np.ndarray) -> CityExtent | None:
    """The extent of the bulk of the rows, robust to many of them sitting at a placeholder.

    The centre is the median point (median longitude, median latitude) of the half of the
    located rows nearest the median point of them all: a second look, because the first
    median is pulled towards a placeholder holding many rows, while the nearest half holds
    none of them as long as they are fewer than half. A row is far outside when it lies
    more than :data:`FAR_FACTOR` times the median distance of all located rows from that
    centre, and at least :data:`FAR_MIN_M` away. (In a round city with rows spread evenly
    the farthest row is about 1.4 times the median distance out, so only rows well beyond
    the city are far; Baltimore's placeholder is 10 times out.) This holds while fewer than
    about a third of the located rows are misplaced. None when no row has a location."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    located = np.isfinite(lon) & np.isfinite(lat)
    if not located.any():
        return None
    lon, lat = lon[located], lat[located]
    first = distance_m(float(np.median(lon)), float(np.median(lat)), lon, lat)
    nearest = first <= np.median(first)
    x, y = float(np.median(lon[nearest])), float(np.median(lat[nearest]))
    typical = float(np.median(distance_m(x, y, lon, lat)))
    return CityExtent(x, y, max(FAR_FACTOR * typical, FAR_MIN_M))


@dataclass(frozen=True)
class Locations:
    lon: np.ndarray
    lat: np.ndarray
    source: str  # "lat/lon columns 'Latitude', 'Longitude'", "geometry column 'geom'"…
    shapes: int  # rows located by a line or polygon's representative point
    extent: CityExtent | None = field(default=None)

    @property
    def missing(self) -> int:
        return int((~(np.isfinite(self.lon) & np.isfinite(self.lat))).sum())

    @property
    def far(self) -> np.ndarray:
        """True for the rows far outside the city."""
        if self.extent is None:
            return np.zeros(len(self.lon), bool)
        return self.extent.far(self.lon, self.lat)

    @property
    def far_outside(self) -> int:
        return int(self.far.sum())


def with_extent(lon: np.ndarray, lat: np.ndarray, source: str, shapes: int = 0) -> Locations:
    """:class:`Locations` with the extent of the city computed from them."""
    return Locations(lon, lat, source, shapes, city_extent(lon, lat))


def read_locations(table: str, columns: dict[str, str], run: RunArrow) -> Locations:
    """Every row's location, in the table's row order."""
    found = find_location(table, columns, run)
    sql = found.lon_lat_sql()
    if sql is not None:
        data = run(f"SELECT {sql[0]} AS lon, {sql[1]} AS lat FROM {quote_ident(table)}", [])
        lon = data.column("lon").to_numpy(zero_copy_only=False).astype(float)
        lat = data.column("lat").to_numpy(zero_copy_only=False).astype(float)
        return with_extent(lon, lat, found.describe())
    data = run(f"SELECT {quote_ident(found.columns[0])} AS g FROM {quote_ident(table)}", [])
    blobs = data.column("g").to_numpy(zero_copy_only=False)
    shapes = shapely.from_wkb(blobs, on_invalid="ignore")
    kinds = shapely.get_type_id(shapes)
    is_point = kinds == 0
    located = shapes.copy()
    others = ~is_point & (kinds >= 0)
    located[others] = shapely.point_on_surface(shapes[others])
    lon = np.asarray(shapely.get_x(located), float)
    lat = np.asarray(shapely.get_y(located), float)
    empty = shapely.is_empty(located) | shapely.is_missing(located)
    lon[empty], lat[empty] = np.nan, np.nan
    return with_extent(lon, lat, found.describe(), int(others.sum()))
