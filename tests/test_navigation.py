"""Which navigation tab a page highlights: decided from the URL's namespace and name, so the
pages of one area (data, its indicators, maps and analyses) all mark the same tab."""

from __future__ import annotations

import re

import pytest

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
        ("/accounts/profile/", None),
    ],
)
def test_the_tab_of_each_area_is_highlighted(world: World, url: str, tab: str | None) -> None:
    """GIVEN a city admin WHEN they open a page THEN the navigation marks its area's tab
    (indicator and proximity pages belong to Data, like the dataset pages they come from)."""
    response = as_user(world.user("city_admin")).get(url.format(city=world.city.slug))
    assert response.status_code == 200, url
    assert current_tab(body(response)) == ([tab] if tab else [])
