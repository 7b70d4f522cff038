"""Issue 16's phone: on a 390×844 screen the header is one compact line whose menu button
opens and closes the navigation (mouse and keyboard), and a data table becomes cards
without making the page scroll sideways. Without JavaScript the navigation stays visible."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.factories import TEST_PASSWORD, CityFactory, MembershipFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def _header_height(page: Page) -> float:
    box = page.locator("header.site").bounding_box()
    assert box is not None
    return float(box["height"])


def test_compact_header_menu_and_table_cards(
    phone_page: Page, live_server: LiveServer, artifacts_dir: Path
) -> None:
    city = CityFactory(name="Lyon", slug="lyon", default_language="en")
    team = TeamFactory(city=city, name="Lab", slug="lab")
    user = UserFactory(email="thumb@example.org")
    MembershipFactory(user=user, city=city, team=team, role="city_admin")
    for _ in range(3):
        MembershipFactory(city=city, team=team, role="member")
    page = phone_page
    _log_in(page, live_server.url, user.email)
    page.goto(f"{live_server.url}/cities/{city.slug}/")

    # Closed: brand and menu button only, well under the 206 px the header used to take.
    button = page.locator("header.site button.menu-toggle")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(page.locator("nav.main")).to_be_hidden()
    assert _header_height(page) < 90, _header_height(page)
    page.screenshot(path=str(artifacts_dir / "phone-menu-closed.png"))

    # The button opens the menu; the navigation and account links show.
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(page.locator("nav.main")).to_be_visible()
    expect(page.locator("header.site")).to_contain_text(user.email)
    page.screenshot(path=str(artifacts_dir / "phone-menu-open.png"))
    button.click()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(page.locator("nav.main")).to_be_hidden()

    # Keyboard: Enter opens, Escape closes and gives focus back to the button, Space opens.
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    page.keyboard.press(" ")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(page.locator("nav.main a").first).to_be_visible()

    # The members table is one card per row: its head hidden, cells stacked with their labels.
    page.keyboard.press("Escape")
    table = page.locator("table.city-members")
    expect(table.locator("tbody tr")).to_have_count(4)
    assert table.locator("thead").bounding_box()["height"] <= 1  # type: ignore[index]
    cell = table.locator("tbody td[data-label]").first
    assert cell.evaluate("el => getComputedStyle(el).display") == "block"
    label = cell.evaluate("el => getComputedStyle(el, '::before').content")
    assert "Role" in label, label
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert inner_width == 390
    assert scroll_width <= inner_width
    page.screenshot(path=str(artifacts_dir / "phone-table-cards.png"), full_page=True)


def test_without_javascript_the_navigation_stays(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/")
        expect(page.locator("header.site button.menu-toggle")).to_be_hidden()
        expect(page.locator("nav.main")).to_be_visible()
        expect(page.locator("header.site a[href='/accounts/login/']")).to_be_visible()
    finally:
        context.close()


def test_wide_screen_has_no_menu_button(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/")
    expect(page.locator("header.site button.menu-toggle")).to_be_hidden()
    expect(page.locator("nav.main")).to_be_visible()
