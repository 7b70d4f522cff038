"""Hotspots: where rows concentrate more than chance would put them, on H3 hexagons.

Method (documented in docs/maps.md): rows are counted per H3 cell at a chosen resolution; the
study area is every cell whose centre lies in the convex hull of the rows, plus every cell
holding a row, so empty ground inside the area counts as context but ground beyond it does not
(an empty margin would make the whole interior look "hot"). For each cell the Getis–Ord Gi*
statistic (Getis & Ord 1992; Ord & Getis 1995) compares the sum of counts in the cell and its
six neighbours with what the area's mean would give, as a z-score; two-sided p-values come
from the normal distribution. Because one test is made per cell, p-values are corrected for
multiple testing with Benjamini–Hochberg's false discovery rate (default 5 %): a cell is a hot
(or cold) spot only if it survives that.
"""

from __future__ import annotations

from dataclasses import dataclass

import h3
import numpy as np
import shapely


@dataclass(frozen=True)
class Hotspots:
    cells: list[str]  # H3 cell ids of the study area
    counts: np.ndarray  # rows per cell
    z: np.ndarray  # Gi* z-scores
    p: np.ndarray  # two-sided p-values
    q: np.ndarray  # Benjamini–Hochberg adjusted p-values
    kind: list[str]  # "hot", "cold" or "" per cell (at the false discovery rate)
    resolution: int
    fdr: float
    without_location: int


def cell_counts(lon: np.ndarray, lat: np.ndarray, resolution: int) -> tuple[dict[str, int], int]:
    """Rows per H3 cell, and the number of rows without a location."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    located = np.isfinite(lon) & np.isfinite(lat)
    counts: dict[str, int] = {}
    for x, y in zip(lon[located].tolist(), lat[located].tolist(), strict=True):
        cell = h3.latlng_to_cell(y, x, resolution)
        counts[cell] = counts.get(cell, 0) + 1
    return counts, int((~located).sum())


def gi_star(cells: list[str], values: np.ndarray) -> np.ndarray:
    """Getis–Ord Gi* z-scores with binary weights: each cell and its six H3 neighbours."""
    n = len(cells)
    position = {cell: i for i, cell in enumerate(cells)}
    mean = float(values.mean())
    spread = float(np.sqrt((values**2).mean() - mean**2))
    z = np.zeros(n)
    if n < 2 or spread == 0:
        return z
    for i, cell in enumerate(cells):
        around = [position[c] for c in h3.grid_disk(cell, 1) if c in position]
        weights = len(around)  # Σ w_ij = Σ w_ij² for binary weights
        local = float(values[around].sum())
        denominator = spread * np.sqrt((n * weights - weights**2) / (n - 1))
        z[i] = (local - mean * weights) / denominator if denominator > 0 else 0.0
    return z


def hotspots(lon: np.ndarray, lat: np.ndarray, resolution: int = 9, fdr: float = 0.05) -> Hotspots:
    # scipy.stats is imported here, not at start-up: loading it takes a second.
    from scipy.stats import false_discovery_control, norm

    counts, missing = cell_counts(lon, lat, resolution)
    area = set(counts)
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    located = np.isfinite(lon) & np.isfinite(lat)
    hull = shapely.convex_hull(shapely.multipoints(np.column_stack([lon[located], lat[located]])))
    if isinstance(hull, shapely.Polygon):
        area.update(h3.geo_to_cells(hull.__geo_interface__, resolution))
    cells = sorted(area)
    values = np.array([counts.get(c, 0) for c in cells], dtype=float)
    z = gi_star(cells, values)
    p = 2 * norm.sf(np.abs(z))
    q = false_discovery_control(p)  # Benjamini–Hochberg
    kind = ["" if qv > fdr else ("hot" if zv > 0 else "cold") for zv, qv in zip(z, q, strict=True)]
    return Hotspots(cells, values.astype(np.int64), z, p, q, kind, resolution, fdr, missing)
