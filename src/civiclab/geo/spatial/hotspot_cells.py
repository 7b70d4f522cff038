"""Hot and cold H3 cells as people read them: where each is (the area of the city's boundaries
its centre lies in, and the centre's coordinates), how many rows it and its six neighbours
hold — the sum Gi* weighs, which is why a cell with no row of its own can be hot — and in
the order people look at them: hottest first, then coldest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import h3
import numpy as np

from civiclab.geo.spatial.areas import assign_areas
from civiclab.geo.spatial.coordinates import Locations
from civiclab.geo.spatial.hotspots import Hotspots, hotspots

AreaLayer = tuple[np.ndarray, list[str | None]]  # WKB shapes and the label of each


def spot_rows(found: Hotspots, areas: Sequence[AreaLayer] = ()) -> list[dict[str, Any]]:
    """The significant cells of ``found``, hottest first then coldest, each with its ``area``
    (labels of the ``areas`` layers holding its centre, or None), centre, a readable
    ``label``, its own rows (``count``) and those of it and its neighbours (``rows_around``)."""
    position = {cell: i for i, cell in enumerate(found.cells)}
    chosen = [i for i, kind in enumerate(found.kind) if kind]
    chosen.sort(key=lambda i: (found.kind[i] != "hot", -found.z[i] if found.kind[i] == "hot"
                               else found.z[i]))  # fmt: skip
    centres = [h3.cell_to_latlng(found.cells[i]) for i in chosen]
    lat = np.array([c[0] for c in centres], float)
    lon = np.array([c[1] for c in centres], float)
    names: list[list[str]] = [[] for _ in chosen]
    for shapes, labels in areas:
        assigned = assign_areas(lon, lat, shapes, labels).labels
        for names_of_cell, label in zip(names, assigned, strict=True):
            if label is not None and str(label) not in names_of_cell:
                names_of_cell.append(str(label))
    rows = []
    for i, y, x, names_of_cell in zip(chosen, lat, lon, names, strict=True):
        around = [position[c] for c in h3.grid_disk(found.cells[i], 1) if c in position]
        area = " · ".join(names_of_cell) or None
        centre = f"{y:.4f}, {x:.4f}"
        rows.append(
            {
                "cell": found.cells[i],
                "kind": found.kind[i],
                "area": area,
                "centre": [round(float(y), 6), round(float(x), 6)],
                "label": f"{area} ({centre})" if area else centre,
                "count": int(found.counts[i]),
                "rows_around": int(found.counts[around].sum()),
                "z": round(float(found.z[i]), 3),
                "q": round(float(found.q[i]), 5),
            }
        )
    return rows


def check_hotspot_options(resolution: int, fdr: float) -> None:
    """Raise ``ValueError`` (a message for people) unless the H3 resolution and the false
    discovery rate are usable."""
    if not 0 <= resolution <= 15:
        raise ValueError("the H3 resolution is from 0 to 15")
    if not 0 < fdr < 1:
        raise ValueError("the false discovery rate is between 0 and 1")


def hotspot_table(
    located: Locations,
    resolution: int = 9,
    fdr: float = 0.05,
    keep_far_outside: bool = False,
    areas: Sequence[AreaLayer] = (),
) -> dict[str, Any]:
    """The hot and cold H3 cells of ``located`` rows (Getis–Ord Gi*, FDR-corrected), hottest
    first, with the counts that go with them. Rows far outside the city are counted and,
    unless ``keep_far_outside``, left out: a placeholder point 50 km away would otherwise
    stretch the study area over empty country and make the whole city look hot. Cells are
    named by the ``areas`` layers."""
    check_hotspot_options(resolution, fdr)
    lon, lat = located.lon, located.lat
    far = located.far
    if not keep_far_outside:
        lon, lat = np.where(far, np.nan, lon), np.where(far, np.nan, lat)
    found = hotspots(lon, lat, resolution, fdr)
    return {
        "resolution": found.resolution,
        "fdr": found.fdr,
        "cells": len(found.cells),
        "rows": int((np.isfinite(lon) & np.isfinite(lat)).sum()),  # in the study area
        "without_location": located.missing,
        "far_outside": int(far.sum()),
        "far_outside_kept": keep_far_outside,
        "far_radius_m": round(located.extent.radius_m) if located.extent else None,
        "hotspots": spot_rows(found, areas),
    }


def area_summary(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The hot and cold cells of ``rows`` (``spot_rows``) counted by the area they lie in, the
    areas with most hot cells first (then most cold, then by name); cells in no named area
    last, as ``area`` None. Each area has the ``bounds`` (west, south, east, north) of its
    cells, so a map can zoom to them when it has no shape of the area itself."""
    found: dict[str | None, dict[str, Any]] = {}
    for row in rows:
        area = found.setdefault(
            row["area"], {"area": row["area"], "hot": 0, "cold": 0, "rows": 0, "cells": []}
        )
        area[row["kind"]] += 1
        area["rows"] += row["count"]
        area["cells"].append(row["cell"])
    summary = []
    for area in found.values():
        corners = [c for cell in area.pop("cells") for c in h3.cell_to_boundary(cell)]
        lat = [c[0] for c in corners]
        lon = [c[1] for c in corners]
        area["bounds"] = [round(min(lon), 6), round(min(lat), 6), round(max(lon), 6),
                          round(max(lat), 6)]  # fmt: skip
        summary.append(area)
    summary.sort(key=lambda a: (a["area"] is None, -a["hot"], -a["cold"], a["area"] or ""))
    return summary
