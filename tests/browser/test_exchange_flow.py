"""Issue 14's "done when" in a real browser, on the demo: Mulhouse's member opens the French
challenge on illegal dumping, finds Mobile's English case study in "look elsewhere first" (htmx)
with the reason, opens it, adapts its solution and sees the indicator re-pointed to Mulhouse's
data; Mobile's analyst sees the adaptation on the solution's page and answers in the thread.
Mulhouse's member reads the site in French (the city's language); Mobile's in English."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from civiclab.network.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
pytest.importorskip("civiclab.evaluation.services.assignments")
COPY_TITLE = "Inventaire des friches et brigade anti-dépôts"


def _log_in(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/accounts/login/", wait_until="domcontentloaded")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def test_mulhouse_adapts_mobiles_blight_case(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    from civiclab.exchange.demo import MOBILE_PERSON, MULHOUSE_PERSON, THREAD_TITLE
    from civiclab.exchange.models import Fork
    from civiclab.portfolio.models import Challenge
    from tests.exchange.demo_helpers import seed_whole_demo

    seed_whole_demo()
    challenge = Challenge.objects.get(city__slug="mulhouse", title__startswith="Dépôts sauvages")
    url = live_server.url

    # Mulhouse's member opens the French challenge: the panel loads after the page (htmx).
    _log_in(page, url, MULHOUSE_PERSON)
    page.goto(f"{url}/challenges/{challenge.pk}/")
    first = page.locator("#similar .similar-match").first
    expect(first).to_contain_text("Blight inventory and squad")
    expect(first).to_contain_text("Mobile")
    expect(first.locator(".why")).to_contain_text("vacants")

    # Opens Mobile's case study, then its solution, and adapts it under the French challenge.
    with page.expect_navigation():
        first.locator("a").first.click()
    expect(page.locator("h1")).to_contain_text("Blight inventory and squad")
    with page.expect_navigation():
        page.locator("main a", has_text="La solution").first.click()
    with page.expect_navigation():
        page.get_by_role("link", name="Adapter dans ma ville").first.click()
    page.select_option("select[name=city]", label="Mulhouse")
    page.select_option("select[name=as_kind]", value="solution")
    page.select_option("select[name=challenge]", value=str(challenge.pk))
    page.fill("input[name=title]", COPY_TITLE)
    page.select_option("select[name=visibility]", value="network")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    # The report: the indicator re-pointed to Mulhouse's own data.
    fork = Fork.objects.get(city__slug="mulhouse", origin_kind="solution")
    assert page.url.endswith(f"/exchange/forks/{fork.pk}/")
    row = page.locator("main table tbody tr").first
    expect(row).to_have_class("ok")
    expect(row).to_contain_text("✓")
    expect(row).to_contain_text(fork.report[0]["dataset"])

    # Mobile's analyst sees the adaptation on the solution's page and answers in the thread.
    context = browser.new_context(locale="en-US")
    mobile = context.new_page()
    try:
        _log_in(mobile, url, MOBILE_PERSON)
        mobile.goto(f"{url}/solutions/{fork.origin_id}/")
        expect(mobile.locator("main")).to_contain_text(COPY_TITLE)
        mobile.goto(f"{url}/exchange/discussions/inbox/")
        with mobile.expect_navigation():
            # An inbox item is a button: opening it marks it read.
            mobile.locator(".discussion-inbox button", has_text=THREAD_TITLE).first.click()
        mobile.fill(
            "form.reply-form textarea[name=body]", "Great, @mulhouse.admin — see you Thursday!"
        )
        with mobile.expect_navigation():
            mobile.locator("form.reply-form button[type=submit]").click()
        expect(mobile.locator("main")).to_contain_text("see you Thursday")
    finally:
        context.close()
