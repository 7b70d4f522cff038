"""Where each row of a dataset is: longitude and latitude read from its columns.

A dataset locates its rows either with a latitude and a longitude column or with a geometry
column (WKB in EPSG:4326, as imports write it). Points are used as they are; a line or a
polygon stands at its representative point (a point inside it), which is how proximity and
maps treat parcels and buildings until distances between shapes are needed. Rows without a
location are kept, as NaN, and counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from civiclab.datasets.ingest.columns import quote_ident

RunArrow = Callable[[str, list[Any]], Any]  # (sql, params) → pyarrow.Table


class NoLocation(ValueError):
    """The dataset has no latitude/longitude pair and no geometry column."""


@dataclass(frozen=True)
class Locations:
    lon: np.ndarray
    lat: np.ndarray
    source: str  # "lat/lon columns 'Latitude', 'Longitude'" or "geometry column 'geom'"
    shapes: int  # rows located by a line or polygon's representative point

    @property
    def missing(self) -> int:
        return int((~(np.isfinite(self.lon) & np.isfinite(self.lat))).sum())


def location_columns(columns: dict[str, str]) -> tuple[str, str] | str:
    """The (latitude, longitude) columns, or else the geometry column, of a dataset."""
    lat = [name for name, kind in columns.items() if kind == "latitude"]
    lon = [name for name, kind in columns.items() if kind == "longitude"]
    if lat and lon:
        return lat[0], lon[0]
    geometry = [name for name, kind in columns.items() if kind == "geometry"]
    if geometry:
        return geometry[0]
    raise NoLocation("the dataset has no latitude and longitude columns and no geometry column")


def read_locations(table: str, columns: dict[str, str], run: RunArrow) -> Locations:
    """Every row's location, in the table's row order."""
    found = location_columns(columns)
    if isinstance(found, tuple):
        lat_name, lon_name = found
        data = run(
            f"SELECT CAST({quote_ident(lon_name)} AS DOUBLE) AS lon, "
            f"CAST({quote_ident(lat_name)} AS DOUBLE) AS lat FROM {quote_ident(table)}",
            [],
        )
        lon = data.column("lon").to_numpy(zero_copy_only=False).astype(float)
        lat = data.column("lat").to_numpy(zero_copy_only=False).astype(float)
        return Locations(lon, lat, f"lat/lon columns {lat_name!r}, {lon_name!r}", 0)
    data = run(f"SELECT {quote_ident(found)} AS g FROM {quote_ident(table)}", [])
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
    return Locations(lon, lat, f"geometry column {found!r}", int(others.sum()))
