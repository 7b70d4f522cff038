"""Which rows of A lie within a distance of any row of B, and how far each is from the
nearest B ("homes within 150 ft of a blighted property").

Both sets are projected to the data's UTM zone and B is put in a k-d tree. Before anything
is projected, a grid of cells at least the distance wide (in degrees, with a margin) keeps
only the rows of A in or next to a cell holding a B: the others cannot be within the
distance. So a city of 100,000 parcels with blight on a few blocks projects and searches only
the parcels around those blocks. Every row of A's nearest B, near or not, is computed when
asked for. Rows without coordinates are counted, never silently dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from civiclab.geo.projection import local_epsg, project

METRES_PER_DEGREE_LATITUDE = 110_574.0  # the least, at the equator
METRES_PER_DEGREE_LONGITUDE = 111_320.0  # at the equator; times cos(latitude) elsewhere
MARGIN = 1.05  # UTM distances are within 0.1 % of geodesics: 5 % is ample


@dataclass(frozen=True)
class Proximity:
    distance_m: float
    count: int  # rows of A within the distance of some B
    total: int  # rows of A with coordinates
    a_without_coordinates: int
    b_without_coordinates: int
    epsg: int  # the metric projection used
    matches: np.ndarray  # indices of the rows of A within the distance, in order
    matches_m: np.ndarray  # their distance to the nearest B, in metres
    matches_b: np.ndarray  # the index of that B
    _a: tuple[np.ndarray, np.ndarray] = field(repr=False)
    _tree: tuple[cKDTree, np.ndarray] | None = field(repr=False)  # B's tree, B's row numbers

    @property
    def within(self) -> np.ndarray:
        """Per row of A: within the distance (False when it has no coordinates)."""
        mask = np.zeros(len(self._a[0]), dtype=bool)
        mask[self.matches] = True
        return mask

    def nearest(self) -> tuple[np.ndarray, np.ndarray]:
        """Per row of A: metres to its nearest B and that B's index (NaN and -1 when A or
        every B lacks coordinates). Computed on demand, for every row."""
        lon, lat = self._a
        metres = np.full(len(lon), np.nan)
        index = np.full(len(lon), -1, dtype=np.int64)
        present = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
        if self._tree is not None and len(present):
            tree, b_rows = self._tree
            found, position = tree.query(project(lon[present], lat[present], self.epsg), k=1)
            metres[present] = found
            index[present] = b_rows[position]
        return metres, index


def proximity(
    a_lon: np.ndarray,
    a_lat: np.ndarray,
    b_lon: np.ndarray,
    b_lat: np.ndarray,
    distance_m: float,
) -> Proximity:
    """Rows of A within ``distance_m`` metres of any row of B (coordinates in degrees)."""
    a_lon, a_lat = np.asarray(a_lon, float), np.asarray(a_lat, float)
    b_lon, b_lat = np.asarray(b_lon, float), np.asarray(b_lat, float)
    a_ok = np.isfinite(a_lon) & np.isfinite(a_lat)
    b_ok = np.isfinite(b_lon) & np.isfinite(b_lat)
    counts = (int(a_ok.sum()), int((~a_ok).sum()), int((~b_ok).sum()))
    none = np.empty(0, dtype=np.int64)
    if not b_ok.any():
        present = a_ok.any()
        epsg = local_epsg(a_lon, a_lat) if present else 4326
        return Proximity(
            distance_m, 0, *counts, epsg, none, np.empty(0), none, (a_lon, a_lat), None
        )
    b_rows = np.flatnonzero(b_ok)
    epsg = local_epsg(b_lon[b_ok], b_lat[b_ok])
    tree = cKDTree(project(b_lon[b_ok], b_lat[b_ok], epsg))
    candidates = np.flatnonzero(
        a_ok & _near_cells(a_lon, a_lat, b_lon[b_ok], b_lat[b_ok], distance_m)
    )
    found, position = tree.query(
        project(a_lon[candidates], a_lat[candidates], epsg), k=1, distance_upper_bound=distance_m
    )
    hit = found <= distance_m
    return Proximity(
        distance_m,
        int(hit.sum()),
        *counts,
        epsg,
        candidates[hit],
        found[hit],
        b_rows[position[hit]],
        (a_lon, a_lat),
        (tree, b_rows),
    )


def _near_cells(
    a_lon: np.ndarray, a_lat: np.ndarray, b_lon: np.ndarray, b_lat: np.ndarray, distance_m: float
) -> np.ndarray:
    """Rows of A in a grid cell holding a B or next to one; cells are at least the distance
    wide, so no row left out can be within it."""
    with np.errstate(invalid="ignore"):
        top = float(np.nanmax(np.abs(np.concatenate([a_lat, b_lat]))))
    if top > 85:  # near the poles a degree of longitude is no width: keep every row
        return np.ones(len(a_lon), dtype=bool)
    lat_step = distance_m * MARGIN / METRES_PER_DEGREE_LATITUDE
    lon_step = distance_m * MARGIN / (METRES_PER_DEGREE_LONGITUDE * math.cos(math.radians(top)))
    columns = math.ceil(360 / lon_step) + 3

    def cells(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            x = np.floor((np.nan_to_num(lon) + 180) / lon_step).astype(np.int64)
            y = np.floor((np.nan_to_num(lat) + 90) / lat_step).astype(np.int64)
        keys: np.ndarray = y * columns + x
        return keys

    b_cells = cells(b_lon, b_lat)
    around = np.unique(
        (b_cells[:, None] + np.array([dy * columns + dx for dy in (-1, 0, 1) for dx in (-1, 0, 1)]))
        .ravel()
    )  # fmt: skip
    near: np.ndarray = np.isin(cells(a_lon, a_lat), around)
    return near
