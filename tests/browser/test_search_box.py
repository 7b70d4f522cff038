"""Issue 16's "done when", the search part, in a real browser at desktop and phone widths:
a new user of the demo types "blight" in the header's box and lands on Mobile's challenge.
axe-core (vendored) checks the results page: no serious or critical violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
ANALYST = "mobile.analyst@demo.civiclab.org"


def _serious_axe_violations(page: Page) -> list[dict[str, Any]]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"][:120] for n in v["nodes"][:3]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _seed() -> int:
    from civiclab.datasets.demo import seed_demo_datasets
    from civiclab.indicators.demo import seed_demo_indicators
    from civiclab.network.demo import seed_demo
    from civiclab.portfolio.demo import DEMO_CHALLENGES, seed_demo_portfolio
    from civiclab.portfolio.models import Challenge

    seed_demo()
    seed_demo_datasets()
    seed_demo_indicators()
    seed_demo_portfolio()
    title = next(c.title for c in DEMO_CHALLENGES if c.city == "mobile" and "Blight" in c.title)
    return Challenge.objects.get(city__slug="mobile", title=title).pk


def _sign_in(page: Page, live_server: LiveServer) -> None:
    from civiclab.network.demo import DEMO_PASSWORD

    page.goto(f"{live_server.url}/accounts/login/", wait_until="domcontentloaded")
    page.fill("input[name=username]", ANALYST)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def _search_and_land(page: Page, live_server: LiveServer, challenge_pk: int) -> None:
    box = page.locator("header #site-search-q")
    expect(box).to_be_visible()
    box.click()
    box.press_sequentially("blight", delay=30)
    # The suggestions appear under the box while typing (htmx).
    expect(page.locator("#site-search-suggestions a").first).to_be_visible()
    with page.expect_navigation():
        box.press("Enter")
    assert "/search/?q=blight" in page.url
    first = page.locator("#search-challenge .search-hit a").first
    expect(first).to_contain_text("Blight")
    assert _serious_axe_violations(page) == []
    with page.expect_navigation():
        first.click()
    assert page.url.endswith(f"/challenges/{challenge_pk}/")
    expect(page.locator("h1")).to_contain_text("Blight")


def test_the_header_box_leads_to_mobiles_challenge_on_a_laptop(
    page: Page, live_server: LiveServer
) -> None:
    challenge_pk = _seed()
    _sign_in(page, live_server)
    _search_and_land(page, live_server, challenge_pk)


def test_the_header_box_leads_to_mobiles_challenge_on_a_phone(
    phone_page: Page, live_server: LiveServer
) -> None:
    challenge_pk = _seed()
    _sign_in(phone_page, live_server)
    # The menu is folded; the box stays within the screen's width.
    expect(phone_page.locator("header .menu-toggle")).to_have_attribute("aria-expanded", "false")
    box = phone_page.locator("header #site-search-q").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    _search_and_land(phone_page, live_server, challenge_pk)
