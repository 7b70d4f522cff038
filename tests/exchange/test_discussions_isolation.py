"""The isolation audit for discussions (until the site-wide audit in tests/test_isolation_audit.py
fills ``thread_id`` and ``post_id``): every discussions page and API route, requested with GET
by people outside team T, names nothing of a thread on a team-only challenge — even those
who were mentioned in it and followed it before it was narrowed. A page's query count does
not grow with its posts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civiclab.exchange.services import discussions as services
from tests.clients import as_user
from tests.exchange.discussions_helpers import headers
from tests.factories import MembershipFactory
from tests.portfolio import factories
from tests.test_isolation_audit import routes, urls_of
from tests.world import World

pytestmark = pytest.mark.django_db
MARKER = "zqsecret"


def test_no_discussions_route_shows_a_private_thread(world: World) -> None:
    challenge = factories.challenge(world.city, "city", title="Zqsecret challenge")
    thread = services.start_thread(
        world.user("team_member"), "challenge", challenge.pk, "Zqsecret thread", "Zqsecret post"
    )
    outsider = MembershipFactory(city=world.other_city, role="member").user
    challenge.visibility = "network"
    challenge.save()
    services.subscribe(outsider, thread)
    post = services.reply(
        world.user("team_member"), thread, "Zqsecret reply @other.city.admin @member"
    )
    services.report_post(outsider, post, "zqsecret report")
    challenge.visibility = "team"
    challenge.team = world.team
    challenge.save()

    values: dict[str, list[Any]] = {"pk": [thread.pk, post.pk], "thread_id": [thread.pk],
                                     "post_id": [post.pk]}  # fmt: skip
    people = {
        "other_city_member": outsider,
        "other_city_admin": world.user("other_city_admin"),
        "other_network_admin": world.user("other_network_admin"),
        "member_outside_team": world.user("member"),
    }
    mine = [r for r in routes() if "discussions" in r]
    assert len(mine) >= 12
    leaks, seen = [], []
    for route in mine:
        urls = urls_of(route, values) or []
        for who, user in [*people.items(), ("team_member", world.user("team_member"))]:
            client = as_user(user)
            extra = headers(user) if route.startswith("api/") else {}
            for url in urls:
                text = client.get(url, **extra).content.decode().replace(url, "").lower()
                if who == "team_member":
                    seen.append(text)
                elif MARKER in text:
                    leaks.append(f"{who}: GET {url}")
    assert not leaks, leaks
    assert any("zqsecret thread" in text for text in seen)


def test_thread_page_queries_do_not_grow_with_posts(world: World) -> None:
    member = world.user("member")
    challenge = factories.challenge(world.city, "city")
    thread = services.start_thread(member, "challenge", challenge.pk, "Counting", "one")
    client = as_user(member)
    url = f"/exchange/discussions/{thread.pk}/"
    # An answer first: the member has unread items in both counts (the navigation's badge
    # asks one query more once there is any unread item, however many there are).
    services.reply(world.user("city_admin"), thread, "first answer")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    client.get(url)
    few = count()
    for i in range(15):
        services.reply(world.user("city_admin" if i % 2 else "member"), thread, f"post {i}")
    assert count() == few
