"""Which navigation tab a page highlights: decided from the URL's namespace and name, so the
pages of one area (data, its indicators, maps and analyses) all mark the same tab."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.clients import as_user, body
from tests.world import World

pytestmark = pytest.mark.django_db


def current_tab(page: str) -> list[str]:
    """The hrefs of the main navigation's links marked as the current page."""
    nav = page[page.index('<nav class="main"') :]
    nav = nav[: nav.index("</nav>")]
    return re.findall(r'<a href="([^"]+)" aria-current="page">', nav)


@pytest.mark.parametrize(
    ("url", "tab"),
    [
        ("/cities/{city}/geo/proximity/", "/data/"),
        ("/cities/{city}/indicators/", "/data/"),
        ("/cities/{city}/indicators/new/", "/data/"),
        ("/cities/{city}/data/", "/data/"),
        ("/data/", "/data/"),
        ("/cities/{city}/", "/city/"),
        ("/cities/{city}/members/", "/city/"),
        ("/network/", "/network/"),
        ("/portfolio/", "/portfolio/"),
        ("/portfolio/board/", "/portfolio/"),
        ("/funding/", "/funding/"),
        ("/exchange/", "/exchange/"),
        ("/exchange/discussions/", "/exchange/"),
        ("/exchange/convenings/", "/exchange/"),
        ("/exchange/directory/", "/exchange/"),
        ("/exchange/metrics/", "/exchange/"),
        ("/accounts/profile/", None),
    ],
)
def test_the_tab_of_each_area_is_highlighted(world: World, url: str, tab: str | None) -> None:
    """GIVEN a city admin WHEN they open a page THEN the navigation marks its area's tab
    (indicator and proximity pages belong to Data, like the dataset pages they come from)."""
    response = as_user(world.user("city_admin")).get(url.format(city=world.city.slug))
    assert response.status_code == 200, url
    assert current_tab(body(response)) == ([tab] if tab else [])


def sub_links(page: str) -> list[tuple[str, bool]]:
    """The Exchange sub-navigation's links: (href, marked as the current page)."""
    if '<nav class="sub"' not in page:
        return []
    nav = page[page.index('<nav class="sub"') :]
    nav = nav[: nav.index("</nav>")]
    return [
        (href, bool(current))
        for href, current in re.findall(r'<a href="([^"]+)"( aria-current)?', nav)
    ]


def test_the_exchange_tab_has_its_sub_links(world: World) -> None:
    """GIVEN a member WHEN they open an Exchange page THEN the sub-navigation links the library,
    discussions, convenings, directory and shared metrics, marking the page's own; other
    areas' pages have no sub-navigation."""
    client = as_user(world.user("member"))
    links = sub_links(body(client.get("/exchange/convenings/")))
    assert links == [
        ("/exchange/", False),
        ("/exchange/discussions/", False),
        ("/exchange/convenings/", True),
        ("/exchange/directory/", False),
        ("/exchange/metrics/", False),
    ]
    assert sub_links(body(client.get("/funding/"))) == []


def unread_badge(page: str) -> str | None:
    nav = page[page.index('<nav class="main"') :]
    nav = nav[: nav.index("</nav>")]
    found = re.search(r'<a class="badge" href="/exchange/discussions/inbox/">(\d+)<', nav)
    return found.group(1) if found else None


def test_the_exchange_tab_counts_unread_discussion_items(world: World) -> None:
    """GIVEN a thread on a city challenge, its post mentioning a member of the city and
    another mentioning a member of another city (who may not read it) WHEN each opens a page
    THEN the first sees 1 next to Exchange, linking to the inbox; the other, the author and
    anonymous visitors see no badge."""
    from civiclab.exchange.services import discussions
    from tests.portfolio import factories

    challenge = factories.challenge(world.city, "city")
    discussions.start_thread(
        world.user("member"), "challenge", challenge.pk, "Blight talk",
        "Over to you, @viewer and @other.city.admin",
    )  # fmt: skip
    assert unread_badge(body(as_user(world.user("viewer")).get("/"))) == "1"
    for actor in ("member", "other_city_admin"):
        assert unread_badge(body(as_user(world.user(actor)).get("/"))) is None, actor
    assert unread_badge(body(Client().get("/"))) is None
