"""Issue 15's "done when", two of its parts, in a real browser on the demo: the network admin
reads live key facts where every number opens the list it counts; Paris fills in its capacity
self-assessment and sees where it stands in the network (in French, the city's language)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from civiclab.network.demo import DEMO_PASSWORD, NETWORK_ADMIN_EMAIL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/accounts/login/", wait_until="domcontentloaded")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def test_the_network_admin_opens_what_each_key_fact_counts(
    page: Page, live_server: LiveServer, artifacts_dir: Path
) -> None:
    from civiclab.network.demo import seed_demo
    from civiclab.portfolio.demo import seed_demo_portfolio

    seed_demo()
    seed_demo_portfolio()
    url = live_server.url
    _log_in(page, url, NETWORK_ADMIN_EMAIL)
    page.goto(f"{url}/delivery/key-facts/")
    page.select_option("select[name=group]", value="priority")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.screenshot(path=str(artifacts_dir / "keyfacts.png"), full_page=True)
    cells = page.locator("table.keyfacts-table tbody a")
    numbers = [
        (cells.nth(i).get_attribute("href"), cells.nth(i).inner_text())
        for i in range(cells.count())
    ]
    assert numbers and any(int(n) > 0 for _h, n in numbers)
    for href, number in numbers[:12]:
        page.goto(f"{url}{href}")
        expect(page.locator(".keyfacts-count")).to_have_text(number)
        assert page.locator("tr.keyfacts-item").count() == int(number)


def test_paris_fills_in_its_capacity_self_assessment(
    page: Page, live_server: LiveServer, artifacts_dir: Path
) -> None:
    from civiclab.network.demo import seed_demo
    from civiclab.reports import demo_capacity

    seed_demo()
    demo_capacity.seed()
    url = live_server.url
    _log_in(page, url, "paris.analyste@demo.civiclab.org")
    page.goto(f"{url}/delivery/capacity/")
    assert page.url.endswith("/delivery/capacity/paris/")
    expect(page.locator("main")).to_contain_text("au centile")  # last year's place
    for index, element in enumerate(page.locator("fieldset.capacity-element").all()):
        element.locator("input[type=radio]").nth(2 + index % 3).check()
    page.locator("textarea[name=data_driven_links]").fill("/delivery/key-facts/?city=paris")
    with page.expect_navigation():
        page.locator("#capacity-form button[type=submit]").click()
    main = page.locator("main")
    expect(main).to_contain_text("Votre autoévaluation des capacités est enregistrée")
    expect(page.locator("svg.capacity-radar polygon.median")).to_have_count(1)
    expect(main).to_contain_text(re.compile(r"au centile \d+ parmi les 6 villes"))
    expect(page.locator("table.capacity-history tbody tr")).to_have_count(2)
    page.screenshot(path=str(artifacts_dir / "capacity.png"), full_page=True)
