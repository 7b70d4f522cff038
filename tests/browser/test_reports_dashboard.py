"""The dashboard's "done when", in a real browser: Mobile's member signs in on the demo, their
home is the dashboard showing what needs attention (the off-track blight indicator with its
sparkline, the slipping milestone, the open risks), opens the initiative, overrides its
proposed status with a narrative, and the dashboard shows the override."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from civiclab.datasets.demo import seed_demo_datasets
from civiclab.geo.demo import seed_demo_geo
from civiclab.indicators.demo import seed_demo_indicators
from civiclab.network.demo import DEMO_PASSWORD, seed_demo
from civiclab.portfolio.demo import seed_demo_portfolio

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANALYST = "mobile.analyst@demo.civiclab.org"


def test_mobile_member_home_is_the_dashboard(
    page: Page, live_server: LiveServer, artifacts_dir: Path
) -> None:
    seed_demo()
    seed_demo_datasets()
    seed_demo_geo()
    seed_demo_indicators()
    seed_demo_portfolio()
    url = live_server.url
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", ANALYST)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    page.goto(f"{url}/")
    expect(page.locator("h1")).to_contain_text("Mobile: what needs attention")
    expect(page.locator(".attention-milestone_slipping")).to_contain_text(
        "First blight squad demolitions"
    )
    expect(page.locator(".attention-risk")).to_contain_text("Officers' time")
    expect(page.locator(".attention-indicator_off_track svg.sparkline")).to_be_visible()
    expect(page.locator("svg.city-outline")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "reports-dashboard.png"), full_page=True)

    with page.expect_navigation():
        page.click(".initiatives a:has-text('Blight inventory and squad')")
    panel = page.locator(".reports-status")
    expect(panel).to_contain_text("The data propose: Off track.")
    page.click("text=Override the status (with a narrative)")
    page.select_option("select[name=status]", "at_risk")
    page.fill("textarea[name=narrative]", "Notices rise as the inventory finds hidden blight.")
    with page.expect_navigation():
        panel.locator("button[type=submit]").click()
    expect(panel).to_contain_text("Notices rise as the inventory finds hidden blight.")
    page.goto(f"{url}/")
    expect(page.locator(".initiatives")).to_contain_text("set by a person")
