"""Issue 13 in a real browser, on the demo: Mobile's analyst opens Funding and sees which
opportunities the city may apply to and why, opens the blight challenge's matches, dismisses
one (htmx), and finds the award counted in the network's funding leveraged."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from civiclab.network.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ANALYST = "mobile.analyst@demo.civiclab.org"


def test_mobile_finds_funding_for_its_blight_challenge(page: Page, live_server: LiveServer) -> None:
    from civiclab.funding.demo import MOBILE_CHALLENGE, seed_demo_funding
    from civiclab.network.demo import seed_demo
    from civiclab.portfolio.demo import seed_demo_portfolio
    from civiclab.portfolio.models import Challenge

    seed_demo()
    seed_demo_portfolio()
    seed_demo_funding()
    challenge = Challenge.objects.get(city__slug="mobile", title=MOBILE_CHALLENGE)

    page.goto(f"{live_server.url}/accounts/login/", wait_until="domcontentloaded")
    page.fill("input[name=username]", ANALYST)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()

    # The Funding tab: for Mobile by default, each opportunity with its eligibility and why.
    with page.expect_navigation():
        page.get_by_role("link", name="Funding", exact=True).first.click()
    brownfields = page.locator(".funding-hit", has_text="Brownfields Multipurpose")
    expect(brownfields.locator(".eligibility-eligible")).to_be_visible()
    expect(brownfields).to_contain_text("your city applies as one")
    expect(page.locator("body")).not_to_contain_text("Fonds vert")

    # The challenge's matches, reached from its page; dismiss the first one.
    page.goto(f"{live_server.url}/challenges/{challenge.pk}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Funding matches").first.click()
    first = page.locator("#funding-matches .funding-hit").first
    title = first.locator("h3 a").inner_text()
    expect(first.locator(".why li").first).to_contain_text("Matching words")
    first.locator("select[name=reason]").select_option("too_small")
    first.get_by_role("button", name="Dismiss").click()
    dismissed = page.locator("#dismissed-title + ul")
    expect(dismissed).to_contain_text(title)
    expect(page.locator("#funding-matches .funding-hit h3 a", has_text=title)).to_have_count(0)

    # The network's funding leveraged counts Mobile's award.
    page.goto(f"{live_server.url}/funding/network/leveraged/")
    expect(page.locator("main")).to_contain_text("500,000")
