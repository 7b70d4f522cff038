"""The H3 density layer, pure: rows counted per hexagon as GeoJSON.

The hexagons' size follows the map's zoom (:func:`resolution_for_zoom`), so a city-wide view
shows a few hundred cells and a street view small ones; the colour classes are computed over
every cell of the dataset at that resolution, so they stay put while the map pans.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from civiclab.geo.spatial.classes import quantile_breaks
from civiclab.lazy_modules import lazy_module

if TYPE_CHECKING:
    import h3
else:
    h3 = lazy_module("h3")

MIN_RESOLUTION, MAX_RESOLUTION = 7, 10
CLASSES = 5


def resolution_for_zoom(zoom: float | None) -> int:
    """The H3 resolution whose hexagons are about 20–40 screen pixels wide at ``zoom``."""
    if zoom is None:
        return 8
    return int(min(MAX_RESOLUTION, max(MIN_RESOLUTION, round(zoom) - 4)))


def cell_polygon(cell: str) -> dict[str, Any]:
    """The cell's hexagon as a GeoJSON Polygon (longitude first, ring closed)."""
    ring = [[round(lng, 6), round(lat, 6)] for lat, lng in h3.cell_to_boundary(cell)]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def hexagon_layer(
    lon: Any, lat: Any, resolution: int, bbox: tuple[float, float, float, float] | None
) -> dict[str, Any]:
    """Rows per H3 cell as a FeatureCollection of the cells whose centre is in ``bbox``."""
    from civiclab.geo.spatial.hotspots import cell_counts  # scipy.stats: seconds to import

    counts, missing = cell_counts(lon, lat, resolution)
    features = []
    for cell, n in counts.items():
        if bbox is not None:
            y, x = h3.cell_to_latlng(cell)
            if not (bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]):
                continue
        features.append(
            {"type": "Feature", "geometry": cell_polygon(cell),
             "properties": {"cell": cell, "count": n}}
        )  # fmt: skip
    return {
        "type": "FeatureCollection",
        "features": features,
        "summary": {
            "resolution": resolution,
            "cells": len(counts),
            "in_view": len(features),
            "rows": sum(counts.values()),
            "without_location": missing,
            "breaks": quantile_breaks(list(counts.values()), CLASSES),
        },
    }
