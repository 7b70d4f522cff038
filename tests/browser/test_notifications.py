"""Issue 16's notifications in a real browser: the header's bell shows the unread count (loaded
by htmx), opens the list, and the list reads well — at desktop and phone widths, with axe-core
(vendored) finding no WCAG 2.0/2.1 A or AA violation on the list and the choices page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.factories import TEST_PASSWORD, CityFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _axe(page: Page) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"][:120] for n in v["nodes"][:3]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _seed() -> Any:
    from civiclab.notifications import services
    from civiclab.notifications.models import Kind
    from tests.portfolio import factories as f

    city = CityFactory(name="Mobile", slug="mobile", default_language="en")
    user = UserFactory(email="bell@example.org")
    MembershipFactory(user=user, city=city, role="member")
    colleague = UserFactory(email="colleague@example.org")
    MembershipFactory(user=colleague, city=city, role="member")
    challenge = f.challenge(city, title="Blighted properties")
    for title in ("Residents speak", "Code enforcement data"):
        services.notify(
            Kind.EVIDENCE_ADDED,
            [user],
            actor=colleague,
            evidence=f.evidence(challenge, title=title),
        )
    return user


def _log_in(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def _bell_opens_the_list(page: Page, url: str) -> None:
    page.goto(f"{url}/network/")
    bell = page.locator("header.site a.bell")
    expect(bell.locator(".badge")).to_have_text("2")
    expect(bell).to_be_visible()
    with page.expect_navigation():
        bell.click()
    expect(page.locator("h1")).to_have_text("Notifications")
    expect(page.locator("ul.notifications li")).to_have_count(2)
    expect(page.locator("ul.notifications")).to_contain_text("Residents speak")
    assert _axe(page) == []


def test_bell_and_list_on_a_desktop(page: Page, live_server: LiveServer) -> None:
    user = _seed()
    _log_in(page, live_server.url, user.email)
    _bell_opens_the_list(page, live_server.url)
    # Mark all read: the bell's number goes away.
    with page.expect_navigation():
        page.get_by_role("button", name="Mark all read").click()
    expect(page.locator("header.site a.bell .badge")).to_have_count(0)
    page.goto(f"{live_server.url}/notifications/settings/")
    expect(page.locator("table input[type=checkbox]")).to_have_count(14)
    assert _axe(page) == []


def test_bell_and_list_on_a_phone(phone_page: Page, live_server: LiveServer) -> None:
    user = _seed()
    _log_in(phone_page, live_server.url, user.email)
    # The bell stays in the compact header, beside the folded menu.
    phone_page.goto(f"{live_server.url}/network/")
    expect(phone_page.locator("header.site button.menu-toggle")).to_have_attribute(
        "aria-expanded", "false"
    )
    box = phone_page.locator("header.site").bounding_box()
    assert box is not None and box["height"] < 90, box
    _bell_opens_the_list(phone_page, live_server.url)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
