"""Issue 14's XSS figure for discussions, in a real browser: a member posts XSS payloads as a
thread's title and in its posts; no dialog ever opens, on the thread, the index, the inbox or
the challenge's page, and the payloads read as text."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.exchange.discussions_helpers import XSS_PAYLOADS
from tests.factories import TEST_PASSWORD, CityFactory, MembershipFactory, UserFactory
from tests.portfolio import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "<img src=x onerror=alert('title')><script>alert('title')</script>"


def sign_in(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/accounts/login/", wait_until="domcontentloaded")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def test_xss_in_thread_title_and_posts_never_runs(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    city = CityFactory(slug="xss-city")
    author = UserFactory(email="author@xss.example.org")
    reader = UserFactory(email="reader@xss.example.org")
    MembershipFactory(user=author, city=city, role="member")
    MembershipFactory(user=reader, city=city, role="member")
    challenge = factories.challenge(city, "city", title="Dumping")
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    sign_in(page, live_server.url, author.email)

    # Start a thread from the challenge's page, payloads in the title and the first post.
    page.goto(f"{live_server.url}/challenges/{challenge.pk}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Start a thread").click()
    page.fill("input[name=title]", TITLE)
    page.fill("textarea[name=body]", "\n\n".join(XSS_PAYLOADS[:16]) + "\n\n@reader **bold**")
    with page.expect_navigation():
        page.get_by_role("button", name="Post").click()
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator(".post-body strong", has_text="bold")).to_be_visible()
    thread_url = page.url

    # Replies with the rest, a few at a time, each shown back.
    rest = XSS_PAYLOADS[16:]
    groups = [rest[i : i + 6] for i in range(0, len(rest), 6)]
    for group in groups:
        page.fill("textarea[name=body]", "\n\n".join(group))
        with page.expect_navigation():
            page.get_by_role("button", name="Reply").click()
    expect(page.locator(".discussion-post")).to_have_count(1 + len(groups))
    # Every link the posts hold goes to a harmless place.
    for href in page.locator(".post-body a").evaluate_all("els => els.map(e => e.href)"):
        assert href.startswith(("http://", "https://", "mailto:")), href

    # The reader: mentioned, sees the thread in the inbox, the index and the challenge.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.on("dialog", on_dialog)
    sign_in(page, live_server.url, reader.email)
    for path in ("/exchange/discussions/inbox/", "/exchange/discussions/"):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("main")).to_contain_text("onerror=alert('title')")
    page.goto(f"{live_server.url}/challenges/{challenge.pk}/")
    expect(page.locator(".discussions-panel")).to_contain_text("<script>alert('title')</script>")
    page.goto(thread_url)
    page.mouse.move(200, 300)
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.evaluate("typeof window.__xss") == "undefined"
    context.close()
