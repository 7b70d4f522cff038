"""A dataset map in a real browser: 100,000 points around Mobile, AL drawn as clusters in
under 2 seconds from navigation, with the rows without a location counted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from civiclab.datasets import services as datasets
from civiclab.datasets.models import Dataset
from tests.factories import TEST_PASSWORD, CityFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POINTS = 100_000
WITHOUT_LOCATION = 100


def points_csv(path: Path, n: int = POINTS, missing: int = WITHOUT_LOCATION) -> Path:
    """``n`` requests spread over Mobile, AL; the first ``missing`` have no coordinates."""
    rng = np.random.default_rng(2026)
    lon = -88.1 + rng.uniform(-0.1, 0.1, n)
    lat = 30.69 + rng.uniform(-0.09, 0.09, n)
    kinds = np.array(["pothole", "graffiti", "streetlight", "litter"])[rng.integers(0, 4, n)]
    lines = ["id,kind,latitude,longitude"]
    lines += [
        f"{i},{kind},{'' if i < missing else f'{y:.6f}'},{'' if i < missing else f'{x:.6f}'}"
        for i, (kind, x, y) in enumerate(zip(kinds, lon, lat, strict=True))
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def mobile_points(tmp_path: Path) -> Dataset:
    city = CityFactory(slug="mobile", name="Mobile")
    path = points_csv(tmp_path / "requests.csv")
    return datasets.import_file(
        None, city, "Requests", path, path.name, datasets.ImportOptions()
    ).dataset


def test_100k_points_draw_in_under_two_seconds(
    page: Page, live_server: LiveServer, tmp_path: Path, artifacts_dir: Path
) -> None:
    """GIVEN 100,000 points, 100 without coordinates WHEN a member opens the dataset's map
    THEN clusters are drawn within 2 s of navigation, the legend counts the rows without a
    location, and a click on a cluster zooms in to rows with popups."""
    dataset = mobile_points(tmp_path)
    user = UserFactory(email="robin@example.org")
    MembershipFactory(user=user, city=dataset.city, role="member")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    url = f"{live_server.url}/cities/mobile/data/{dataset.slug}/map/"
    page.goto(url)  # warm: the server's first DuckDB connection, the static files
    # Let the warm-up's layer request finish: two requests saving the session at once can
    # lock the test database's session table.
    page.wait_for_selector("#map[data-drawn=true]", state="attached")
    page.goto(url)
    drawn_ms = page.evaluate("() => window.civiclabMap.ready")
    print(f"\n100,000 points: layer drawn {drawn_ms:.0f} ms after navigation")  # noqa: T201 — the figure the issue asks for
    expect(page.locator("#map[data-drawn=true]")).to_be_visible()
    assert drawn_ms < 2000
    expect(page.locator("#without-location")).to_contain_text("100 rows have no location")
    legend = page.locator(".map-legend")
    expect(legend).to_contain_text("100 rows have no location")
    expect(legend).to_contain_text("Cluster of rows")
    clusters = page.locator(".map-cluster")
    assert 20 < clusters.count() < 2000
    page.screenshot(path=str(artifacts_dir / "map-100k.png"))
    # Zoom far in: rows come one by one, and a click opens the row's popup.
    page.evaluate("() => window.civiclabMap.map.setView([30.69, -88.1], 19)")
    expect(legend).to_contain_text("A row")
    page.wait_for_function("() => !document.querySelector('.map-cluster')")
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.evaluate(
        """() => {
          const map = window.civiclabMap.map;
          let first = null;
          map.eachLayer(l => {
            if (!first && l.getPopup && l.getPopup() && l.getLatLng) first = l;
          });
          first.openPopup();
        }"""
    )
    expect(page.locator(".map-popup")).to_contain_text("kind")
