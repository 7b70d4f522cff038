"""Issue 16's onboarding: a new city's first-run checklist on its page, ticked from the data,
each step linking to the page that does it, shown to that city's admins only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from civiclab.portfolio import services as portfolio_services
from tests.clients import as_user
from tests.datasets.web_helpers import make_dataset
from tests.factories import CityFactory, MembershipFactory, UserFactory
from tests.world import World

pytestmark = pytest.mark.django_db


def _steps(html: str) -> dict[str, str]:
    """step key → "done" or "todo", as the page shows them."""
    found = re.findall(r'<li class="(done|todo)" data-step="(\w+)"', html)
    return {key: state for state, key in found}


def _page(user: object, slug: str) -> str:
    response = as_user(user).get(f"/cities/{slug}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_new_city_admin_sees_every_step_to_do_with_its_link() -> None:
    city = CityFactory(slug="newtown", name="Newtown")
    admin = UserFactory()
    MembershipFactory(user=admin, city=city, role="city_admin")
    html = _page(admin, city.slug)
    assert _steps(html) == dict.fromkeys(
        ["team", "members", "dataset", "indicator", "challenge"], "todo"
    )
    for url in [
        "/cities/newtown/teams/new/",
        "/cities/newtown/members/",
        "/cities/newtown/data/import/",
        "/cities/newtown/indicators/new/",
        "/challenges/new/?city=newtown",
    ]:
        assert f'href="{url}"' in html, url


def test_steps_are_ticked_from_the_data(world: World, tmp_path: Path) -> None:
    admin = world.user("city_admin")
    # City A has teams and several members, but no data, indicator or challenge yet.
    assert _steps(_page(admin, "city-a")) == {
        "team": "done",
        "members": "done",
        "dataset": "todo",
        "indicator": "todo",
        "challenge": "todo",
    }
    make_dataset(world, tmp_path)
    portfolio_services.create_challenge(admin, world.city, "Potholes everywhere")
    steps = _steps(_page(admin, "city-a"))
    assert steps["dataset"] == "done" and steps["challenge"] == "done"
    assert steps["indicator"] == "todo"
    # Another city's data ticks nothing here.
    other = _steps(_page(world.user("other_city_admin"), "city-b"))
    assert other["dataset"] == "todo" and other["challenge"] == "todo"


def test_the_checklist_goes_once_every_step_is_done(world: World, tmp_path: Path) -> None:
    from tests.indicators.test_web import make_indicator

    admin = world.user("city_admin")
    make_indicator(world)  # imports its dataset too
    portfolio_services.create_challenge(admin, world.city, "Noise at night")
    html = _page(admin, "city-a")
    assert "onboarding" not in html and not _steps(html)


@pytest.mark.parametrize(
    "actor",
    ["member", "team_member", "viewer", "other_city_admin", "network_admin", "no_membership"],
)
def test_only_the_citys_own_admins_see_it(world: World, actor: str) -> None:
    response = as_user(world.user(actor)).get("/cities/city-a/")
    if response.status_code == 200:
        html = response.content.decode()
        assert 'class="onboarding' not in html and not _steps(html), actor
    assert 'class="onboarding' in _page(world.user("city_admin"), "city-a")


def test_anonymous_never_sees_it(world: World) -> None:
    response = as_user(None).get("/cities/city-a/")
    assert 'class="onboarding' not in response.content.decode()
