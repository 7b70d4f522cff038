"""Issue 10, item 22, in a real browser: on the demo's public Mobile challenge, the demo's
Mobile member advances an idea to a solution ("Create the solution") and gets the solution,
visible to the city, instead of a bare 403 that lost what they typed."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from civiclab.network.demo import DEMO_PASSWORD, seed_demo
from civiclab.portfolio.demo import seed_demo_portfolio
from civiclab.portfolio.models import Idea, Solution

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MEMBER = "mobile.partner@demo.civiclab.org"  # a member of Mobile, who may not publish


def test_the_mobile_member_advances_an_idea_of_the_public_challenge(
    page: Page, live_server: LiveServer
) -> None:
    seed_demo()
    seed_demo_portfolio()
    idea = Idea.objects.get(title="Heirs' property legal clinic")
    assert idea.challenge.visibility == "public" and idea.challenge.city.slug == "mobile"

    page.goto(f"{live_server.url}/accounts/login/", wait_until="domcontentloaded")
    page.fill("input[name=username]", MEMBER)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()

    page.goto(f"{live_server.url}/ideas/{idea.pk}/")
    form = page.locator("#advance form")
    visibility = form.locator("select[name=visibility]")
    expect(visibility.locator("option")).to_have_count(2)  # team and city: not network, public
    expect(visibility).to_have_value("city")
    form.locator("input[name=title]").fill("Title clinic with the bar association")
    form.locator("textarea[name=goal_statement]").fill("Clear 50 titles by 2027")
    with page.expect_navigation():
        form.locator("button[type=submit]", has_text="Create the solution").click()

    solution = Solution.objects.get(title="Title clinic with the bar association")
    assert page.url.endswith(f"/solutions/{solution.pk}/")
    assert solution.visibility == "city" and solution.goal_statement == "Clear 50 titles by 2027"
    expect(page.locator("h1")).to_have_text("Title clinic with the bar association")
