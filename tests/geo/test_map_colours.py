"""The rows on a map are drawn in colours of their own: never one the legend gives to hot or
cold spots or to the density hexagons, so a point cannot be read as a hot spot. The page
hands map.js its colours (one source, the server's), and the legend uses the same ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import civiclab.site.urls  # noqa: F401 — the API's routers first, as Django loads them
from tests.clients import as_user, body
from tests.geo.test_map_web import sightings
from tests.world import World

MAP_JS = Path(__file__).resolve().parents[2] / "src/civiclab/geo/static/geo/map.js"


def rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def apart(a: str, b: str) -> float:
    """A rough perceptual distance ("redmean" weighted RGB), 0 to about 765."""
    (r1, g1, b1), (r2, g2, b2) = rgb(a), rgb(b)
    r = (r1 + r2) / 2
    return (
        (2 + r / 256) * (r1 - r2) ** 2 + 4 * (g1 - g2) ** 2 + (2 + (255 - r) / 256) * (b1 - b2) ** 2
    ) ** 0.5


def test_row_colours_are_not_the_analysis_colours() -> None:
    from civiclab.geo.views.analysis import HEXAGON_COLOURS, SPOT_COLOURS
    from civiclab.geo.views.maps import ROW_COLOURS

    analysis = [*SPOT_COLOURS.values(), *HEXAGON_COLOURS]
    for kind in ("point", "cluster", "shape"):
        nearest = min(apart(ROW_COLOURS[kind], other) for other in analysis)
        assert nearest > 150, (kind, ROW_COLOURS[kind], nearest)


@pytest.mark.django_db
def test_map_js_draws_with_the_colours_the_page_gives(world: World, tmp_path: Path) -> None:
    from civiclab.geo.views.analysis import SPOT_COLOURS
    from civiclab.geo.views.maps import ROW_COLOURS

    dataset = sightings(world, tmp_path)
    page = body(as_user(world.user("member")).get(f"/cities/city-a/data/{dataset.slug}/map/"))
    texts = json.loads(page.split('id="map-text" type="application/json">')[1].split("</")[0])
    assert texts["colours"] == ROW_COLOURS
    script = MAP_JS.read_text()
    assert "texts.colours" in script
    assert not any(colour in script for colour in SPOT_COLOURS.values())
