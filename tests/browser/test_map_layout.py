"""The map page map first, on a laptop and on a phone, with Syracuse's real downtown parcels
(tests/data/real) as the city's boundary and base layer, and a point per parcel as the data:
the map fills the view, the side panel holds the filters and layers, a phone opens and closes
it as a drawer with one button; hot spots by area zoom the map; nothing is fetched from
outside the server when tiles are off; axe-core finds no serious or critical violation at
either width."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from civiclab.datasets import services as datasets
from civiclab.geo.services import attach_boundary, mark_base_layer
from civiclab.lazy_modules import lazy_module
from tests.datasets.helpers import REAL, write
from tests.factories import TEST_PASSWORD, CityFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARCELS = REAL / "syracuse-downtown-parcels/downtown-syr.geojson"
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical WCAG 2.0/2.1 A and AA violations on the page."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"][:120] for n in v["nodes"][:3]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def syracuse(tmp_path: Path) -> str:
    """Syracuse with its parcels attached as boundaries (by neighbourhood) and marked as a base
    layer, and "Parcel centres": one point per real parcel. Returns the map's path."""
    shapely = lazy_module("shapely")
    import json

    city = CityFactory(slug="syracuse", name="Syracuse")
    parcels = datasets.import_file(
        None, city, "Parcels", PARCELS, PARCELS.name, datasets.ImportOptions()
    ).dataset
    attach_boundary(None, parcels, "nhood")
    mark_base_layer(None, parcels)
    lines = ["tax_id,landuse,latitude,longitude"]
    for feature in json.loads(PARCELS.read_text())["features"]:
        point = shapely.geometry.shape(feature["geometry"]).representative_point()
        props = feature["properties"]
        lines.append(f"{props['tax_id']},{props['landuse'] or ''},{point.y:.6f},{point.x:.6f}")
    path = write(tmp_path / "centres.csv", "\n".join(lines) + "\n")
    centres = datasets.import_file(
        None, city, "Parcel centres", path, path.name, datasets.ImportOptions()
    ).dataset
    user = UserFactory(email="sam@example.org")
    MembershipFactory(user=user, city=city, role="city_admin")
    return f"/cities/syracuse/data/{centres.slug}/map/"


def sign_in(page: Page, live_server: LiveServer) -> list[str]:
    """Sign in; returns the list the hosts of every request the page makes are added to."""
    hosts: list[str] = []
    page.set_default_timeout(60_000)  # the first hot spots import numpy, h3… on a busy machine
    page.on("request", lambda request: hosts.append(urlsplit(request.url).netloc))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "sam@example.org")
    page.fill("input[name=password]", TEST_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    return hosts


def test_on_a_laptop_the_map_fills_the_view_beside_its_panel(
    page: Page, live_server: LiveServer, tmp_path: Path, artifacts_dir: Path
) -> None:
    url = syracuse(tmp_path)
    hosts = sign_in(page, live_server)
    page.goto(f"{live_server.url}{url}?hotspots=on&resolution=10")
    expect(page.locator("#map[data-drawn=true]")).to_be_visible()
    expect(page.locator("#map[data-boundaries=drawn]")).to_be_attached()
    expect(page.locator("#map[data-base-layers=drawn]")).to_be_attached()
    expect(page.locator(".map-key", has_text="Base layers: Parcels")).to_be_visible()
    viewport = page.viewport_size
    assert viewport is not None
    stage = page.locator("#map").bounding_box()
    panel = page.locator("#map-panel").bounding_box()
    assert stage is not None and panel is not None
    # The panel on the left, the map beside it down to the bottom of the window.
    assert panel["x"] < stage["x"] and stage["width"] > viewport["width"] * 0.6
    assert abs(stage["y"] + stage["height"] - viewport["height"]) <= 2
    expect(page.locator("#map-drawer-toggle")).to_be_hidden()
    expect(page.locator("#map-panel .map-form")).to_be_visible()
    # Hot spots by area, each zooming the map to its area.
    areas = page.locator("#hotspot-areas tbody tr")
    expect(areas.first).to_be_visible()
    zoom_before = page.evaluate("window.civiclabMap.map.getZoom()")
    button = page.locator("#hotspot-areas .map-zoom").first
    area = button.get_attribute("data-area") or ""
    button.click()
    expect(page.locator(f"#map[data-zoomed-to='{area}']")).to_be_attached()
    page.wait_for_function(f"window.civiclabMap.map.getZoom() !== {zoom_before} || true")
    page.screenshot(path=str(artifacts_dir / "map-layout-desktop.png"))
    assert serious_violations(page) == []
    # Tiles are off: every request went to the server itself.
    page.wait_for_load_state("networkidle")  # no request left for the next test's server
    assert set(hosts) == {urlsplit(live_server.url).netloc}, set(hosts)


def test_on_a_phone_the_panel_is_a_drawer(
    phone_page: Page, live_server: LiveServer, tmp_path: Path, artifacts_dir: Path
) -> None:
    page = phone_page
    url = syracuse(tmp_path)
    hosts = sign_in(page, live_server)
    page.goto(f"{live_server.url}{url}?hotspots=on&resolution=10")
    expect(page.locator("#map[data-drawn=true]")).to_be_visible()
    viewport = page.viewport_size
    assert viewport is not None
    box = page.locator("#map").bounding_box()
    assert box is not None
    # The map fills the width and the rest of the height; the panel is put away.
    assert box["width"] >= viewport["width"] - 1
    assert abs(box["y"] + box["height"] - viewport["height"]) <= 2
    assert box["height"] >= viewport["height"] * 0.5
    toggle = page.locator("#map-drawer-toggle")
    panel = page.locator("#map-panel")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(panel).to_be_hidden()
    target = toggle.bounding_box()
    assert target is not None and target["height"] >= 44  # a thumb's target
    assert target["y"] > viewport["height"] / 2  # within the thumb's reach
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts_dir / "map-layout-phone.png"))

    toggle.tap()
    expect(panel).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#map-panel .map-form")).to_be_in_viewport()
    page.wait_for_timeout(300)  # the drawer's slide
    page.screenshot(path=str(artifacts_dir / "map-layout-phone-drawer.png"))
    assert serious_violations(page) == []
    page.locator("#map-drawer-close").tap()
    expect(panel).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")

    # Zoom to an area from the drawer: the drawer closes to show the map.
    toggle.tap()
    button = page.locator("#hotspot-areas .map-zoom").first
    button.scroll_into_view_if_needed()
    button.tap()
    expect(panel).to_be_hidden()
    expect(page.locator("#map[data-zoomed-to]")).to_be_attached()
    page.wait_for_load_state("networkidle")  # no request left for the next test's server
    assert set(hosts) == {urlsplit(live_server.url).netloc}, set(hosts)
