"""Which rows of A lie within a distance of any row of B, and how far each is from the
nearest B ("homes within 150 ft of a blighted property").

Both sets are projected to the data's UTM zone and B is put in a k-d tree; every A asks it
for its nearest B. Rows without coordinates are counted, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from civiclab.geo.projection import local_epsg, project


@dataclass(frozen=True)
class Proximity:
    distance_m: float
    count: int  # rows of A within the distance of some B
    total: int  # rows of A with coordinates
    a_without_coordinates: int
    b_without_coordinates: int
    epsg: int  # the metric projection used
    nearest_m: np.ndarray  # per row of A: metres to the nearest B (NaN: no coordinates)
    nearest_b: np.ndarray  # per row of A: index of that B in the input (-1: none)

    @property
    def within(self) -> np.ndarray:
        """Per row of A: within the distance (False when it has no coordinates)."""
        with np.errstate(invalid="ignore"):
            return np.asarray(self.nearest_m <= self.distance_m)


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
    nearest = np.full(len(a_lon), np.nan)
    index = np.full(len(a_lon), -1, dtype=np.int64)
    if not b_ok.any() or not a_ok.any():
        epsg = local_epsg(
            np.concatenate([a_lon, b_lon]), np.concatenate([a_lat, b_lat])
        ) if (a_ok.any() or b_ok.any()) else 4326  # fmt: skip
        return Proximity(
            distance_m, 0, int(a_ok.sum()), int((~a_ok).sum()), int((~b_ok).sum()), epsg,
            nearest, index,
        )  # fmt: skip
    epsg = local_epsg(b_lon[b_ok], b_lat[b_ok])
    b_rows = np.flatnonzero(b_ok)
    tree = cKDTree(project(b_lon[b_ok], b_lat[b_ok], epsg))
    found, position = tree.query(project(a_lon[a_ok], a_lat[a_ok], epsg), k=1, workers=-1)
    nearest[a_ok] = found
    index[a_ok] = b_rows[position]
    count = int(np.count_nonzero(found <= distance_m))
    return Proximity(
        distance_m, count, int(a_ok.sum()), int((~a_ok).sum()), int((~b_ok).sum()), epsg,
        nearest, index,
    )  # fmt: skip
