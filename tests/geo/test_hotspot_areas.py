"""Hot and cold spots summarised by named area: each area of the city's boundaries with its
counts of hot and cold cells, most hot first, and the extent of its cells for "Zoom to it"."""

from __future__ import annotations

from collections import Counter

import h3
import pytest
from django.test import Client

from civiclab.datasets.models import Dataset
from civiclab.geo.spatial.hotspot_cells import area_summary
from tests.clients import as_user, body
from tests.geo.test_analysis_web import geo_city  # noqa: F401 — a fixture
from tests.permission_matrix import api_headers
from tests.world import World


def spot(cell: str, kind: str, area: str | None, count: int = 1) -> dict[str, object]:
    return {"cell": cell, "kind": kind, "area": area, "count": count}


def test_area_summary_counts_and_bounds() -> None:
    """GIVEN hot and cold cells in two areas and one outside them THEN each area has its
    counts, the area with most hot cells comes first, cells outside any area last, and each
    area's bounds hold all its cells' corners."""
    centre = h3.latlng_to_cell(30.69, -88.10, 9)
    ring = sorted(set(h3.grid_disk(centre, 1)) - {centre})
    rows = [
        spot(ring[0], "cold", "South", 0),
        spot(centre, "hot", "North", 9),
        spot(ring[1], "hot", "North", 7),
        spot(ring[2], "hot", "South", 5),
        spot(ring[3], "cold", None, 0),
    ]
    summary = area_summary(rows)
    assert [(a["area"], a["hot"], a["cold"], a["rows"]) for a in summary] == [
        ("North", 2, 0, 16), ("South", 1, 1, 5), (None, 0, 1, 0)]  # fmt: skip
    west, south, east, north = summary[0]["bounds"]
    for cell in (centre, ring[1]):
        for lat, lon in h3.cell_to_boundary(cell):
            assert west - 1e-6 <= lon <= east + 1e-6 and south - 1e-6 <= lat <= north + 1e-6
    assert area_summary([]) == []


@pytest.mark.django_db
def test_map_page_lists_hotspots_by_area_with_zoom_buttons(
    world: World,
    geo_city: dict[str, Dataset],  # noqa: F811
) -> None:
    """GIVEN sightings at the border of the North and South areas (an attached boundary) WHEN
    a member ticks hot and cold spots THEN a table gives each area's hot and cold cells — the
    API's cells counted by area — each with a "Zoom to it" button carrying the area's name and
    its cells' extent."""
    api = "/api/v1/cities/city-a/geo/hotspots?dataset=sightings"
    spots = Client().get(api, **api_headers(world.user("member"))).json()["hotspots"]
    expected = Counter((s["area"], s["kind"]) for s in spots)
    assert expected
    page = body(as_user(world.user("member")).get("/cities/city-a/data/sightings/map/?hotspots=on"))
    table = page.split('id="hotspot-areas"')[1].split("</table>")[0]
    for area in ("North", "South"):
        if not expected[(area, "hot")] + expected[(area, "cold")]:
            continue
        row = table.split(f'<th scope="row">{area}</th>')[1].split("</tr>")[0]
        cells = row.split("<td>")
        assert cells[1].startswith(str(expected[(area, "hot")]))
        assert cells[2].startswith(str(expected[(area, "cold")]))
        assert f'class="linklike map-zoom" data-area="{area}" data-bounds="' in row
    assert "▲" in table and "▼" in table  # hot and cold told apart without colour
