"""Issue 15's review packs in a real browser, on the demo: Mobile's analyst opens the Innovation
Team's monthly review, reads the pack that prepared itself with last meeting's decision and
action carried, adds an action row (htmx, what was typed kept), holds the meeting, and finds
the new action carried into the next pack."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from civiclab.network.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ANALYST = "mobile.analyst@demo.civiclab.org"


def test_the_monthly_pack_carries_the_meeting(
    page: Page, live_server: LiveServer, artifacts_dir: Path
) -> None:
    from civiclab.network.demo import seed_demo
    from civiclab.portfolio.demo import seed_demo_portfolio
    from civiclab.reports import demo_packs

    seed_demo()
    seed_demo_portfolio()
    demo_packs.seed()

    page.goto(f"{live_server.url}/accounts/login/", wait_until="domcontentloaded")
    page.fill("input[name=username]", ANALYST)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()

    page.goto(f"{live_server.url}/delivery/reviews/")
    with page.expect_navigation():
        page.get_by_role("link", name=demo_packs.TITLE).click()
    with page.expect_navigation():
        page.get_by_role("link", name="Open the current pack").click()
    carried = page.locator(".pack-carried")
    expect(carried).to_contain_text("Extend the blight squad")
    expect(carried).to_contain_text("Ask the municipal court")

    # Type in the first action row, add a fourth row (htmx), and keep what was typed.
    page.fill("input[name=action-0-text]", "Brief the mayor on the east side")
    page.get_by_role("button", name="Add an action").click()
    expect(page.locator("input[name=action-3-text]")).to_be_visible()
    expect(page.locator("input[name=action-0-text]")).to_have_value(
        "Brief the mayor on the east side"
    )
    page.fill("input[name=action-3-text]", "Publish the blight map")
    page.fill("input[name=decision-0-text]", "Keep the squad at six people")
    page.check("input[name=done_action]")
    page.screenshot(path=str(artifacts_dir / "reports-pack.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Record the meeting").click()
    expect(page.locator("main")).to_contain_text("Frozen when the meeting was held")
    expect(page.locator("main")).to_contain_text("Publish the blight map")

    # The next pack carries the new actions; the done one is no longer carried.
    page.goto(page.url.split("/meetings/")[0] + "/pack/")
    carried = page.locator(".pack-carried")
    expect(carried).to_contain_text("Publish the blight map")
    expect(carried).to_contain_text("Brief the mayor on the east side")
    expect(carried).not_to_contain_text("Ask the municipal court")
