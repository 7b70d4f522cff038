"""Proximity between shapes: the rows of A whose shape (a parcel, a building, a point) comes
within a distance of the shape of some row of B, edge to edge — what "homes within 150 feet
of a blighted property" means when both are parcels.

Shapes are projected to the data's UTM zone and B's go into an STR tree; the candidates are
the pairs the projection puts within the distance (with the local scale factor as margin).
Each candidate pair is then measured exactly: the projection gives the two closest points of
the shapes, and the distance between those points on the WGS 84 ellipsoid (pyproj ``Geod``)
is the one counted and reported — so a parcel a few millimetres beyond 150 ft is not counted.
Shapes that touch or overlap are 0 m apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from civiclab.geo.spatial.projection import local_epsg, project, scale_factors, unproject
from civiclab.geo.spatial.proximity import GEOD, drift


@dataclass(frozen=True)
class ShapeProximity:
    distance_m: float
    count: int  # rows of A within the distance of some B
    total: int  # rows of A with a shape
    a_without_coordinates: int
    b_without_coordinates: int
    epsg: int
    matches: np.ndarray  # indices of the rows of A within the distance, in order
    matches_m: np.ndarray  # their exact distance to the nearest B, in metres
    matches_b: np.ndarray  # the index of that B
    _a: np.ndarray = field(repr=False)  # A's shapes, projected (None where missing)
    _b: tuple[shapely.STRtree, np.ndarray, np.ndarray] | None = field(repr=False)

    @property
    def within(self) -> np.ndarray:
        mask = np.zeros(len(self._a), dtype=bool)
        mask[self.matches] = True
        return mask

    def nearest(self) -> tuple[np.ndarray, np.ndarray]:
        """Per row of A: exact metres to the nearest B and its index (NaN and -1 without)."""
        metres = np.full(len(self._a), np.nan)
        index = np.full(len(self._a), -1, dtype=np.int64)
        present = np.flatnonzero(~shapely.is_missing(self._a))
        if self._b is None or not len(present):
            return metres, index
        tree, b_shapes, b_rows = self._b
        shapes = self._a[present]
        _pairs, projected = tree.query_nearest(shapes, return_distance=True, all_matches=False)
        reach = projected * drift(float(projected.max(initial=0))) ** 2 + 0.001
        found, nearest = _exact(shapes, tree, b_shapes, reach, self.epsg)
        metres[present], index[present] = found, b_rows[nearest]
        return metres, index


def shape_proximity(a: np.ndarray, b: np.ndarray, distance_m: float) -> ShapeProximity:
    """Rows of A (shapely geometries in degrees, None where missing) within ``distance_m``
    metres of the shape of any row of B."""
    a = np.asarray(a, dtype=object)
    b = np.asarray(b, dtype=object)
    a_ok = ~(shapely.is_missing(a) | shapely.is_empty(a))
    b_ok = ~(shapely.is_missing(b) | shapely.is_empty(b))
    counts = (int(a_ok.sum()), int((~a_ok).sum()), int((~b_ok).sum()))
    none = np.empty(0, dtype=np.int64)
    located = a[a_ok] if not b_ok.any() else b[b_ok]
    if not len(located):
        missing = np.full(len(a), None, dtype=object)
        return ShapeProximity(distance_m, 0, *counts, 4326, none, np.empty(0), none, missing, None)
    middles = shapely.point_on_surface(located)
    epsg = local_epsg(shapely.get_x(middles), shapely.get_y(middles))
    a_projected = np.full(len(a), None, dtype=object)
    a_projected[a_ok] = _projected(a[a_ok], epsg)
    if not b_ok.any():
        return ShapeProximity(distance_m, 0, *counts, epsg, none, np.empty(0), none,
                              a_projected, None)  # fmt: skip
    b_rows = np.flatnonzero(b_ok)
    b_shapes = _projected(b[b_ok], epsg)
    tree = shapely.STRtree(b_shapes)
    rows = np.flatnonzero(a_ok)
    middles = shapely.point_on_surface(a[rows])
    scale = scale_factors(shapely.get_x(middles), shapely.get_y(middles), epsg)
    reach = distance_m * scale * drift(distance_m) + 0.001
    near = np.unique(tree.query(a_projected[rows], predicate="dwithin", distance=reach)[0])
    rows = rows[near]
    found, nearest = _exact(a_projected[rows], tree, b_shapes, reach[near], epsg)
    hit = found <= distance_m
    return ShapeProximity(distance_m, int(hit.sum()), *counts, epsg, rows[hit], found[hit],
                          b_rows[nearest[hit]], a_projected, (tree, b_shapes, b_rows))  # fmt: skip


def _projected(shapes: np.ndarray, epsg: int) -> np.ndarray:
    def to_metres(xy: np.ndarray) -> np.ndarray:
        return project(xy[:, 0], xy[:, 1], epsg)

    projected: np.ndarray = shapely.transform(shapes, to_metres)
    return projected


def _exact(
    shapes: np.ndarray, tree: shapely.STRtree, b_shapes: np.ndarray, reach: np.ndarray, epsg: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per shape: the exact distance to the nearest B within ``reach`` (projected metres) and
    its index; each pair is measured between its closest points, on the ellipsoid."""
    a_index, b_index = tree.query(shapes, predicate="dwithin", distance=reach)
    found = np.full(len(shapes), np.inf)
    nearest = np.full(len(shapes), -1, dtype=np.int64)
    if not len(a_index):
        return found, nearest
    lines = shapely.shortest_line(shapes[a_index], b_shapes[b_index])
    ends = shapely.get_coordinates(lines).reshape(-1, 2, 2)
    start = unproject(ends[:, 0, 0], ends[:, 0, 1], epsg)
    end = unproject(ends[:, 1, 0], ends[:, 1, 1], epsg)
    metres = np.asarray(GEOD.inv(start[0], start[1], end[0], end[1])[2], float)
    metres[shapely.intersects(shapes[a_index], b_shapes[b_index])] = 0.0
    order = np.lexsort((metres, a_index))  # per shape, nearest first
    first = order[np.r_[True, a_index[order][1:] != a_index[order][:-1]]]
    found[a_index[first]], nearest[a_index[first]] = metres[first], b_index[first]
    return found, nearest
