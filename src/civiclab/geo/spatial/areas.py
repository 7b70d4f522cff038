"""Point in polygon: the area (neighbourhood, district, tract) each row lies in.

Areas come as WKB shapes with a label each. An invalid shape (a self-crossing ring, say) is
repaired with ``make_valid`` and counted; a point on the shared edge of two areas, or in two
overlapping ones, goes to the first of them and is counted as ambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely


@dataclass(frozen=True)
class Assignment:
    labels: np.ndarray  # per point: its area's label, or None
    inside: int
    outside: int  # located, but in no area
    without_location: int
    ambiguous: int  # in more than one area
    repaired_areas: int
    unusable_areas: int  # empty or unreadable shapes


def assign_areas(
    lon: np.ndarray, lat: np.ndarray, area_wkb: np.ndarray, area_labels: list[str | None]
) -> Assignment:
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    shapes = shapely.from_wkb(area_wkb, on_invalid="ignore")
    usable = ~(shapely.is_missing(shapes) | shapely.is_empty(shapes))
    invalid = usable & ~shapely.is_valid(shapes)
    shapes[invalid] = shapely.make_valid(shapes[invalid])
    area_rows = np.flatnonzero(usable)
    located = np.isfinite(lon) & np.isfinite(lat)
    point_rows = np.flatnonzero(located)
    labels = np.full(len(lon), None, dtype=object)
    assigned = np.zeros(len(lon), dtype=bool)
    ambiguous = 0
    if len(area_rows) and len(point_rows):
        tree = shapely.STRtree(shapes[area_rows])
        points = shapely.points(lon[point_rows], lat[point_rows])
        hits = tree.query(points, predicate="intersects")  # [point positions, area positions]
        order = np.lexsort((area_rows[hits[1]], hits[0]))  # by point, then by area row
        point_pos, area_pos = hits[0][order], area_rows[hits[1][order]]
        first = np.ones(len(point_pos), dtype=bool)
        first[1:] = point_pos[1:] != point_pos[:-1]
        ambiguous = len(np.unique(point_pos[~first]))
        chosen = np.asarray(area_labels, dtype=object)[area_pos[first]]
        labels[point_rows[point_pos[first]]] = chosen
        assigned[point_rows[point_pos[first]]] = True
    inside = int(assigned.sum())
    return Assignment(
        labels,
        inside,
        int(located.sum()) - inside,
        int((~located).sum()),
        ambiguous,
        int(invalid.sum()),
        int((~usable).sum()),
    )
