"""A row's popup near the edge of the map stays open: opening it pans the map (Leaflet's
autoPan), and that pan must not reload the layer under it (which closed it within a second)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect
from pytest_django.live_server_helper import LiveServer

from civiclab.datasets import services as datasets
from tests.datasets.helpers import write
from tests.factories import TEST_PASSWORD, CityFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _signed_in_at_the_map(page: Page, live_server: LiveServer, tmp_path: Path) -> None:
    """25 requests on a small grid in Mobile, a member signed in, the map drawn."""
    city = CityFactory(slug="mobile", name="Mobile")
    lines = ["id,kind,latitude,longitude"]
    lines += [f"{i},pothole,{30.68 + (i // 5) * 0.002:.4f},{-88.11 + (i % 5) * 0.002:.4f}"
              for i in range(25)]  # fmt: skip
    path = write(tmp_path / "requests.csv", "\n".join(lines) + "\n")
    dataset = datasets.import_file(
        None, city, "Requests", path, path.name, datasets.ImportOptions()
    ).dataset
    user = UserFactory(email="robin@example.org")
    MembershipFactory(user=user, city=city, role="member")
    page.set_viewport_size({"width": 1000, "height": 800})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    page.goto(f"{live_server.url}/cities/mobile/data/{dataset.slug}/map/")
    page.wait_for_selector("#map[data-drawn=true]", state="attached")


def test_a_popup_near_the_edge_stays_open(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    """GIVEN 25 requests on a small grid WHEN a member clicks the northernmost one, at the top
    edge of the map (its popup opens above it, so the map pans down to show it) THEN the popup
    is still open two seconds later, showing the row."""
    _signed_in_at_the_map(page, live_server, tmp_path)
    # The northernmost row sits near the top edge of the map (fitted to the rows).
    point = page.evaluate(
        """() => {
          const map = window.civiclabMap.map;
          const p = map.latLngToContainerPoint([30.688, -88.106]);
          return {x: p.x, y: p.y};
        }"""
    )
    assert point["y"] < 100  # the popup (taller than that) opens above it: the map must pan
    page.locator("#map").scroll_into_view_if_needed()
    box = page.locator("#map").bounding_box()
    assert box is not None
    moves = page.evaluate(
        """() => { window.mapMoves = 0;
                   window.civiclabMap.map.on('moveend', () => { window.mapMoves += 1; }); }"""
    )
    assert moves is None
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    popup = page.locator(".leaflet-popup .map-popup")
    expect(popup).to_contain_text("pothole")
    page.wait_for_function("() => window.mapMoves > 0")  # the map panned to show the popup
    page.wait_for_timeout(2000)
    expect(popup).to_be_visible()
    expect(popup).to_contain_text("30.688")
    # Closing it brings the layer up to date with the view again.
    page.keyboard.press("Escape")
    expect(popup).to_have_count(0)


def test_a_layer_answering_late_leaves_an_open_popup_open(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    """GIVEN the map drawn and a busy server (the layer's answers held back) WHEN the reader pans
    away, and before the layer for that view answers, pans back and opens a row's popup THEN the
    late answer does not redraw the layer under the popup (which closed it: CI saw it when the
    page's layout resized the map just after the first draw)."""
    _signed_in_at_the_map(page, live_server, tmp_path)
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route(lambda url: "bbox=" in url, hold)
    page.evaluate("() => window.civiclabMap.map.panBy([3000, 0], {animate: false})")
    for _ in range(50):  # the layer for the new view is asked for (120 ms after the move)
        if held:
            break
        page.wait_for_timeout(100)
    assert len(held) == 1
    page.evaluate("() => window.civiclabMap.map.panBy([-3000, 0], {animate: false})")
    point = page.evaluate(
        """() => {
          const p = window.civiclabMap.map.latLngToContainerPoint([30.684, -88.106]);
          return {x: p.x, y: p.y};
        }"""
    )
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    popup = page.locator(".leaflet-popup .map-popup")
    expect(popup).to_contain_text("30.684")
    held[0].continue_()  # the late answer arrives with the popup open
    page.unroute_all()
    page.wait_for_timeout(1000)
    expect(popup).to_be_visible()
    expect(popup).to_contain_text("30.684")
    page.keyboard.press("Escape")
    expect(popup).to_have_count(0)
