"""End-to-end checks in a real browser: sign in, switch language, visit a city, sign out."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from civiclab.network.models import City
from tests.factories import (
    TEST_PASSWORD,
    CityFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FRENCH_CATALOGUE = (
    Path(__file__).resolve().parents[2] / "src/civiclab/locale/fr/LC_MESSAGES/django.mo"
)
LOGIN_PATH = "/accounts/login/"
LOGOUT_PATH = "/accounts/logout/"


def _paris() -> City:
    city = CityFactory(
        name="Paris",
        slug="paris",
        country="FR",
        timezone="Europe/Paris",
        default_language="en",  # start in English so the switch to French shows
    )
    TeamFactory(city=city, name="Équipe innovation", slug="innovation")
    return city


def _path(page: Page, live_server: LiveServer) -> str:
    assert page.url.startswith(live_server.url), page.url
    return page.url.removeprefix(live_server.url).split("?")[0] or "/"


def test_login_switch_language_visit_city_and_logout(
    page: Page, live_server: LiveServer, artifacts_dir: Path
) -> None:
    city = _paris()
    user = UserFactory(email="amelie@example.org", full_name="Amélie Test")
    MembershipFactory(user=user, city=city, team=city.teams.get(), role="member")

    # Sign in with email and password.
    page.goto(f"{live_server.url}{LOGIN_PATH}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    assert _path(page, live_server) == "/", page.content()[:2000]
    header = page.locator("header.site")
    expect(header).to_contain_text(user.email)
    expect(header.locator(f'form[action="{LOGOUT_PATH}"] button')).to_be_visible()

    # Switch to French: choose it, then press the switcher's button (no submit on change,
    # so keyboard users can move through the options without leaving the page).
    switcher = page.locator("#language-switcher")
    expect(switcher).to_have_value("en")
    switcher.select_option("fr")
    with page.expect_navigation():
        page.locator("form.lang button[type=submit]").click()
    assert _path(page, live_server) == "/"
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("#language-switcher")).to_have_value("fr")
    if FRENCH_CATALOGUE.exists():
        nav = page.locator("nav.main")
        expect(nav.locator('a[href="/network/"]')).to_have_text("Réseau")

    # The city page shows the city, still in French.
    page.goto(f"{live_server.url}/cities/{city.slug}/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("main h1")).to_have_text(city.name)
    expect(page.locator("main")).to_contain_text("Équipe innovation")
    page.screenshot(path=str(artifacts_dir / "browser-city-desktop.png"), full_page=True)

    # Sign out with the header's POST button; the sign-in link comes back.
    with page.expect_navigation():
        header.locator(f'form[action="{LOGOUT_PATH}"] button').click()
    assert _path(page, live_server) == "/"
    expect(header.locator(f'a[href="{LOGIN_PATH}"]')).to_be_visible()
    expect(header.locator(f'form[action="{LOGOUT_PATH}"]')).to_have_count(0)
    expect(header).not_to_contain_text(user.email)


def test_pages_fit_a_phone_screen(
    phone_page: Page, live_server: LiveServer, artifacts_dir: Path
) -> None:
    city = _paris()
    user = UserFactory(email="phone@example.org")
    MembershipFactory(user=user, city=city, role="city_admin")
    for _ in range(3):
        MembershipFactory(city=city, role="member")
    page = phone_page

    page.goto(f"{live_server.url}{LOGIN_PATH}")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    assert _path(page, live_server) == "/"

    for name, path in [
        ("city", f"/cities/{city.slug}/"),
        ("members", f"/cities/{city.slug}/members/"),
        ("network", "/network/"),
        ("tokens", "/accounts/tokens/"),
        ("audit", f"/cities/{city.slug}/audit/"),
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        page.screenshot(path=str(artifacts_dir / f"browser-{name}-phone.png"), full_page=True)
        scroll_width, inner_width = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert inner_width == 390
        assert scroll_width <= inner_width, (
            f"{path} scrolls sideways on a 390 px phone: {scroll_width} > {inner_width}"
        )


UNLABELLED_CONTROLS = """
() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => {
    const name = (el.labels && el.labels.length ? el.labels[0].innerText : '')
      || el.getAttribute('aria-label') || (el.tagName === 'BUTTON' ? el.innerText : '');
    return !name.trim();
  })
  .map(el => el.outerHTML.slice(0, 120))
"""


def test_keyboard_and_labels(page: Page, live_server: LiveServer) -> None:
    """Every visible control has an accessible name, and the first Tab reaches the skip link,
    which moves focus to the main content."""
    city = _paris()
    admin = UserFactory(email="admin@example.org")
    MembershipFactory(user=admin, city=city, role="city_admin")
    page.goto(f"{live_server.url}{LOGIN_PATH}")
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    page.fill("input[name=username]", admin.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")  # submitting with the keyboard alone
    for path in (
        "/",
        f"/cities/{city.slug}/",
        f"/cities/{city.slug}/members/",
        "/accounts/profile/",
        "/accounts/tokens/",
        f"/cities/{city.slug}/edit/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate(UNLABELLED_CONTROLS) == [], path
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


# Elements that stick out of the screen, outside the frames that scroll wide tables.
WIDER_THAN_THE_SCREEN = """
() => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
  .filter(el => !el.closest('.table-wrap') || el.classList.contains('table-wrap'))
  .slice(0, 8).map(el => el.outerHTML.slice(0, 80))
"""
NYC_311 = (
    Path(__file__).resolve().parents[1]
    / "data/real/nyc311-2018-socrata-1k/311_Service_Requests.csv"
)


def test_import_a_file_then_sort_its_rows(
    page: Page, live_server: LiveServer, artifacts_dir: Path
) -> None:
    """GIVEN a member of New York WHEN they upload the 311 file, check its columns, import it
    and open the dataset THEN the job says done and a click on a column heading sorts the
    rows, with the sort announced to assistive technology (aria-sort)."""
    city = CityFactory(name="New York", slug="new-york", country="US")
    user = UserFactory(email="analyst@example.org")
    MembershipFactory(user=user, city=city, role="member")
    page.goto(f"{live_server.url}{LOGIN_PATH}")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # Step 1: the file, sent by htmx with an upload progress bar; on to the column check.
    page.goto(f"{live_server.url}/cities/{city.slug}/data/import/")
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    page.set_input_files("input[name=file]", str(NYC_311))
    page.fill("input[name=dataset]", "Service requests")
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_url(f"**/cities/{city.slug}/data/import/*/")
    expect(page.locator("main h1")).to_have_text("Check the columns")
    expect(page.get_by_label("Type of Created Date")).to_have_value("timestamp")
    expect(page.locator("main")).to_contain_text("06/26/2018 10:58:54 AM")
    assert page.evaluate(UNLABELLED_CONTROLS) == []

    # Step 2: import; the job page polls until the job is done.
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url("**/data/jobs/*/")
    expect(page.locator("#job-status")).to_contain_text("Done", timeout=60_000)
    page.get_by_role("link", name="Open Service requests").click()
    page.wait_for_url(f"**/cities/{city.slug}/data/service-requests/")
    expect(page.locator("#rows")).to_contain_text("Rows 1 to 25 of 1,000")

    # Sort by a column: only the rows table is replaced, and the address follows.
    header = page.locator("#rows thead th").filter(has_text="Complaint Type")
    header.get_by_role("link").click()
    expect(page.locator("#rows thead th[aria-sort=ascending]")).to_contain_text("Complaint Type")
    page.wait_for_url("**/service-requests/?sort=Complaint+Type")
    first = page.locator("#rows tbody tr").first.locator("td").nth(5).inner_text()
    page.locator("#rows thead th").filter(has_text="Complaint Type").get_by_role("link").click()
    expect(page.locator("#rows thead th[aria-sort=descending]")).to_contain_text("Complaint Type")
    last = page.locator("#rows tbody tr").first.locator("td").nth(5).inner_text()
    assert first < last, (first, last)
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    page.screenshot(path=str(artifacts_dir / "browser-dataset-desktop.png"), full_page=True)

    # On a phone the page does not scroll sideways; wide tables scroll inside their frame.
    page.set_viewport_size({"width": 390, "height": 844})
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width, (
        f"{scroll_width} > {inner_width}: {page.evaluate(WIDER_THAN_THE_SCREEN)}"
    )
    page.screenshot(path=str(artifacts_dir / "browser-dataset-phone.png"), full_page=True)
