"""The maps issue's "done when", in a real browser: a Mobile i-team member maps the blighted
properties (over the neighbourhoods), asks how many parcels lie within 150 ft of one, saves
them as a dataset and maps it, sees the blight indicator by neighbourhood as a choropleth, and
the hot spots — with the numbers the CLI gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from civiclab.datasets.models import Dataset
from civiclab.geo.demo import seed_demo_geo
from civiclab.geo.services import hotspot_report
from civiclab.network.demo import DEMO_PASSWORD, seed_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANALYST = "mobile.analyst@demo.civiclab.org"


def test_mobile_maps_blight_asks_150ft_and_sees_hotspots(
    page: Page, live_server: LiveServer, artifacts_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_demo()
    assert seed_demo_geo()
    url = live_server.url
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", ANALYST)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()

    # Map the blighted properties, over the neighbourhoods (labelled).
    page.goto(f"{url}/cities/mobile/data/blighted-properties/map/")
    expect(page.locator("#map[data-drawn=true]")).to_be_visible()
    expect(page.locator("#map[data-boundaries=drawn]")).to_be_attached(timeout=15_000)
    expect(page.locator(".map-area-label", has_text="Toulminville")).to_be_visible()
    # (Each step waits for the page's requests to end: two requests saving the session at
    # once can lock the test database's session table.)
    # The density layer: ticking the box asks for it.
    with page.expect_navigation():
        page.check("#layer-hexagons")
    expect(page.locator("#map[data-hexagons=drawn]")).to_be_attached(timeout=15_000)
    expect(page.locator(".map-key", has_text="Rows per hexagon")).to_be_visible()

    # How many parcels lie within 150 ft of a blighted property? Save them.
    page.click("text=How many rows of Blighted properties lie near another dataset")
    page.select_option("select[name=origin]", "parcels")
    page.select_option("select[name=near]", "blighted-properties")
    page.fill("input[name=distance]", "150")
    page.select_option("select[name=unit]", "ft")
    page.fill("input[name=save_as]", "Parcels near blight")
    with page.expect_navigation():
        page.click("#proximity-form button[type=submit]")
    expect(page.locator("#saved")).to_contain_text("Parcels near blight")
    shown = int(page.locator("dd[data-field=count]").inner_text())
    capsys.readouterr()
    call_command("geo", "proximity", "--city", "mobile", "--from", "parcels", "--near",
                 "blighted-properties", "--distance", "150ft", "--json")  # fmt: skip
    from_cli = json.loads(capsys.readouterr().out)
    assert shown == from_cli["count"]
    assert from_cli["count"] > 2000  # the blighted parcels themselves and their neighbours
    expect(page.locator("#proximity-count")).to_contain_text(f"{shown:,} of 45,000 rows")
    saved = Dataset.objects.get(city__slug="mobile", slug="parcels-near-blight")
    assert saved.current_version is not None and saved.current_version.rows == shown
    page.screenshot(path=str(artifacts_dir / "map-proximity.png"), full_page=True)

    # The saved dataset's map.
    with page.expect_navigation():
        page.click("text=Map of the matching rows")
    expect(page.locator("#map[data-drawn=true]")).to_be_visible()
    expect(page.locator("#map-status")).to_contain_text(f"{shown:,} rows match")
    expect(page.locator("#map[data-boundaries=drawn]")).to_be_attached(timeout=15_000)

    # The blight indicator by neighbourhood, as a choropleth.
    page.goto(f"{url}/cities/mobile/indicators/blighted-properties-identified/")
    with page.expect_navigation():
        page.click("text=Map by area")
    expect(page.locator("#choropleth[data-drawn=true]")).to_be_visible(timeout=15_000)
    expect(page.locator("#choropleth-values")).to_contain_text("Toulminville")
    expect(page.locator(".choropleth-legend")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "map-choropleth.png"), full_page=True)

    # The hot spots of the blighted properties.
    page.goto(f"{url}/cities/mobile/data/blighted-properties/map/")
    expect(page.locator("#map[data-drawn=true]")).to_be_visible()
    expect(page.locator("#map[data-boundaries=drawn]")).to_be_attached(timeout=15_000)
    with page.expect_navigation():
        page.check("#layer-hotspots")
    hot_rows = page.locator("#hotspots-table tr.hot")
    expect(hot_rows.first).to_be_visible()
    blighted = Dataset.objects.get(city__slug="mobile", slug="blighted-properties")
    expected = hotspot_report(blighted, 9, 0.05)
    hot = [s for s in expected["hotspots"] if s["kind"] == "hot"]
    assert hot_rows.count() == len(hot) >= 1
    expect(page.locator(f"#map[data-hotspots='{len(expected['hotspots'])}']")).to_be_attached()
    page.screenshot(path=str(artifacts_dir / "map-hotspots.png"), full_page=True)
