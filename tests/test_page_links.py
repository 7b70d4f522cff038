"""Links an app above contributes to a lower app's page (core.page_links): the page shows
them without its template naming the app."""

from __future__ import annotations

import pytest
from django.test import Client

from civiclab.core.page_links import _LINKS, PageLink, contribute, links_for
from tests.world import World

pytestmark = pytest.mark.django_db


def test_the_city_page_links_to_its_indicators(world: World) -> None:
    client = Client()
    client.force_login(world.user("member"))
    page = client.get(f"/cities/{world.city.slug}/").content.decode()
    assert f'href="/cities/{world.city.slug}/indicators/"' in page


def test_a_link_is_shown_only_where_its_app_says_and_in_its_order(world: World) -> None:
    saved = dict(_LINKS.get("city", {}))
    try:
        contribute(
            "city",
            PageLink(
                key="hidden",
                label="Hidden",
                url_name="network:members",
                args=lambda city: (city.slug,),
                shown=lambda city, user: False,
            ),
        )
        contribute(
            "city",
            PageLink(
                key="first",
                label="First",
                url_name="network:members",
                args=lambda city: (city.slug,),
                query=lambda city: {"q": "a b"},
                order=0,
            ),
        )
        links = links_for("city", world.city, world.user("member"))
        assert [str(label) for label, _url in links][:2] == ["First", "Indicators"]
        assert links[0][1] == f"/cities/{world.city.slug}/members/?q=a+b"
        assert "Hidden" not in [str(label) for label, _url in links]
    finally:
        _LINKS["city"] = saved


def test_the_profile_offers_the_network_audit_log_only_to_network_admins(world: World) -> None:
    for actor, shown in (("network_admin", True), ("city_admin", False), ("member", False)):
        client = Client()
        client.force_login(world.user(actor))
        page = client.get("/accounts/profile/").content.decode()
        assert ('href="/audit/"' in page) is shown, actor
