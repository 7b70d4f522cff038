"""PURE: a city's boundary (its areas' rings) as a small inline SVG outline (no tiles,
works offline).

Rings of (longitude, latitude) are drawn in an equirectangular projection, x scaled by the
cosine of the middle latitude so shapes keep their proportions at city scale; the caller
simplifies the geometry first so the path stays small."""

from __future__ import annotations

import math
from html import escape

Ring = list[tuple[float, float]]


def outline_svg(rings: list[Ring], label: str, width: int = 240, pad: float = 4.0) -> str:
    """The SVG markup ('' without a ring of at least three points)."""
    rings = [r for r in rings if len(r) >= 3]
    if not rings:
        return ""
    lons = [x for r in rings for x, _y in r]
    lats = [y for r in rings for _x, y in r]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    scale_x = math.cos(math.radians((south + north) / 2))
    span_x = max((east - west) * scale_x, 1e-9)
    span_y = max(north - south, 1e-9)
    inner = width - 2 * pad
    unit = inner / max(span_x, span_y)
    height = round(span_y * unit + 2 * pad)
    paths = []
    for ring in rings:
        coords = " ".join(
            f"{pad + (x - west) * scale_x * unit:.1f},{pad + (north - y) * unit:.1f}"
            for x, y in ring
        )
        paths.append(f"M{coords}Z")
    return (
        f'<svg class="city-outline" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        f'<title>{escape(label)}</title><path d="{" ".join(paths)}"/></svg>'
    )
