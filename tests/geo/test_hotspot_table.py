"""The hotspot table names its areas (the boundary area of each cell's centre, and where that
centre is), lists the hottest first on every surface, and explains hot cells without rows;
"Map by area" is offered only when a boundary matches the indicator's breakdown."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from civiclab.datasets.models import Dataset
from tests.clients import as_user, body
from tests.geo.test_analysis_web import geo_city, make_indicator  # noqa: F401 — a fixture
from tests.permission_matrix import api_headers
from tests.world import World

pytestmark = pytest.mark.django_db


def in_order(spots: list[dict]) -> bool:
    """Hot cells first, hottest first; then cold cells, coldest first."""
    keys = [(s["kind"] != "hot", -s["z"] if s["kind"] == "hot" else s["z"]) for s in spots]
    return keys == sorted(keys)


def test_hot_cells_are_named_by_area_and_listed_hottest_first(
    world: World,
    geo_city: dict[str, Dataset],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """GIVEN sightings packed at the border of the North and South areas (attached as a
    boundary) WHEN hotspots are asked of the API, the CLI and the map page THEN each cell is
    named by its area with its centre, the hottest comes first, and the rows of each cell and
    its neighbours are given, with a note on why a cell without rows can be hot."""
    api = "/api/v1/cities/city-a/geo/hotspots?dataset=sightings"
    report = Client().get(api, **api_headers(world.user("member"))).json()
    spots = report["hotspots"]
    assert spots and in_order(spots)
    for spot in spots:
        assert spot["area"] in ("North", "South")
        lat, lon = spot["centre"]
        assert spot["area"] == ("North" if lat >= 30.69 else "South")
        assert spot["label"] == f"{spot['area']} ({lat:.4f}, {lon:.4f})"
        assert spot["rows_around"] >= spot["count"]
    capsys.readouterr()
    call_command("geo", "hotspots", "--city", "city-a", "--dataset", "sightings")
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]
    assert [line.split()[0] for line in lines] == [s["kind"] for s in spots]
    assert all(
        s["label"] in line and s["cell"] in line for s, line in zip(spots, lines, strict=True)
    )
    page = body(as_user(world.user("member")).get("/cities/city-a/data/sightings/map/?hotspots=on"))
    table = page.split('id="hotspots-table"')[1].split("</table>")[0]
    assert "Rows with its six neighbours" in table and "H3 cell</th>" not in table
    positions = [table.index(s["cell"]) for s in spots]
    assert positions == sorted(positions)
    assert f"<strong>{spots[0]['area']}</strong>" in table
    assert 'id="hotspots-note"' in page and "six neighbours" in page


def test_map_by_area_is_offered_only_where_a_boundary_matches(
    world: World,
    geo_city: dict[str, Dataset],  # noqa: F811
) -> None:
    """GIVEN an indicator by Area (whose values are the boundary's labels) and one by id (no
    boundary has such areas) THEN only the first offers "Map by area", on its page and on the
    dataset's map."""
    by_area = make_indicator(geo_city["Sightings"])
    by_id = make_indicator(geo_city["Sightings"], breakdown="id")
    client = as_user(world.user("member"))
    choropleth = "/cities/city-a/geo/choropleth/{}/"
    assert choropleth.format(by_area.slug) in body(
        client.get(f"/cities/city-a/indicators/{by_area.slug}/")
    )
    assert choropleth.format(by_id.slug) not in body(
        client.get(f"/cities/city-a/indicators/{by_id.slug}/")
    )
    assert "Map by area" not in body(client.get(f"/cities/city-a/indicators/{by_id.slug}/"))
    map_page = body(client.get("/cities/city-a/data/sightings/map/"))
    assert choropleth.format(by_area.slug) in map_page
    assert choropleth.format(by_id.slug) not in map_page
    # The page itself still explains when reached directly.
    assert 'id="no-boundary"' in body(client.get(choropleth.format(by_id.slug)))
