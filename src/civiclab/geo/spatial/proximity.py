"""Which rows of A lie within a distance of any row of B, and how far each is from the
nearest B ("homes within 150 ft of a blighted property").

Both sets are projected to the data's UTM zone and B is put in a k-d tree. Before anything
is projected, a grid of cells at least the distance wide (in degrees, with a margin) keeps
only the rows of A in or next to a cell holding a B: the others cannot be within the
distance. So a city of 100,000 parcels with blight on a few blocks projects and searches only
the parcels around those blocks. Every row of A's nearest B, near or not, is computed when
asked for. Rows without coordinates are counted, never silently dropped.

The projection only finds the candidates: UTM shrinks distances by up to 0.04 % near the
middle of a zone (and stretches them towards its edges), so a parcel a few millimetres beyond
150 ft would be counted. Each candidate is therefore settled with the exact distance on the
WGS 84 ellipsoid (pyproj ``Geod``), to the nearest B among those the projection cannot rank
apart, and that exact distance is the one reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from pyproj import Geod
from scipy.spatial import cKDTree

from civiclab.geo.spatial.projection import local_epsg, project, scale_factors

METRES_PER_DEGREE_LATITUDE = 110_574.0  # the least, at the equator
METRES_PER_DEGREE_LONGITUDE = 111_320.0  # at the equator; times cos(latitude) elsewhere
MARGIN = 1.05  # UTM distances are within 0.1 % of geodesics: 5 % is ample
GEOD = Geod(ellps="WGS84")
NEIGHBOURS = 8  # nearest B per row checked exactly at once; more only when needed


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
    # B's tree, B's row numbers, and the longitudes and latitudes of B's located rows.
    _tree: tuple[cKDTree, np.ndarray, np.ndarray, np.ndarray] | None = field(repr=False)

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
            tree, b_rows, b_lon, b_lat = self._tree
            xy = project(lon[present], lat[present], self.epsg)
            found, position = exact_nearest(
                xy, lon[present], lat[present], tree, b_lon, b_lat, self.distance_m
            )
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
    b_lon, b_lat = b_lon[b_ok], b_lat[b_ok]
    tree = cKDTree(project(b_lon, b_lat, epsg))
    candidates = np.flatnonzero(a_ok & _near_cells(a_lon, a_lat, b_lon, b_lat, distance_m))
    xy = project(a_lon[candidates], a_lat[candidates], epsg)
    # In the projection a true distance d measures d × k (the scale factor where A is), give
    # or take how k drifts along the way: rows beyond that cannot be within the distance.
    reach = (
        distance_m * scale_factors(a_lon[candidates], a_lat[candidates], epsg) * drift(distance_m)
        + 0.001
    )
    found, _position = tree.query(xy, k=1, distance_upper_bound=float(reach.max(initial=0)))
    near = found <= reach
    candidates, xy = candidates[near], xy[near]
    exact, position = exact_nearest(
        xy, a_lon[candidates], a_lat[candidates], tree, b_lon, b_lat, distance_m
    )
    hit = exact <= distance_m
    return Proximity(
        distance_m,
        int(hit.sum()),
        *counts,
        epsg,
        candidates[hit],
        exact[hit],
        b_rows[position[hit]],
        (a_lon, a_lat),
        (tree, b_rows, b_lon, b_lat),
    )


def drift(distance_m: float) -> float:
    """How much the projection's scale can change between two points ``distance_m`` apart,
    as a factor: under 0.1 % for anything within a city, more for regional distances."""
    return 1.001 + distance_m / 1e6


def exact_nearest(
    xy: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    tree: cKDTree,
    b_lon: np.ndarray,
    b_lat: np.ndarray,
    distance_m: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Per point (projected ``xy``, and in degrees): the ellipsoidal distance to its nearest B
    and that B's index. The geodesically nearest B is among those whose projected distance is
    within the scale's drift of the projected nearest, so only those are measured exactly."""
    if len(xy) == 0:
        return np.empty(0), np.empty(0, dtype=np.int64)
    k = min(NEIGHBOURS, tree.n)
    found, position = tree.query(xy, k=k)
    found, position = found.reshape(len(xy), k), position.reshape(len(xy), k)
    slack = drift(max(distance_m, float(found[:, 0].max())))
    band = found <= found[:, :1] * slack**2 + 0.001
    rows, columns = np.nonzero(band)
    metres = np.full(found.shape, np.inf)
    metres[rows, columns] = _geodesic(lon[rows], lat[rows], position[rows, columns], b_lon, b_lat)
    best = np.argmin(metres, axis=1)
    exact = metres[np.arange(len(xy)), best]
    nearest = position[np.arange(len(xy)), best].astype(np.int64)
    if k < tree.n:
        # Rare: more than k B the projection cannot rank apart (a tight cluster of them).
        for i in np.flatnonzero(band[:, -1]):
            ball = np.asarray(tree.query_ball_point(xy[i], found[i, 0] * slack**2 + 0.001))
            metres_i = _geodesic(np.full(len(ball), lon[i]), np.full(len(ball), lat[i]), ball,
                                 b_lon, b_lat)  # fmt: skip
            exact[i], nearest[i] = metres_i.min(), ball[np.argmin(metres_i)]
    return exact, nearest


def _geodesic(
    lon: np.ndarray, lat: np.ndarray, b: np.ndarray, b_lon: np.ndarray, b_lat: np.ndarray
) -> np.ndarray:
    _forward, _back, metres = GEOD.inv(lon, lat, b_lon[b], b_lat[b])
    return np.asarray(metres, float)


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
