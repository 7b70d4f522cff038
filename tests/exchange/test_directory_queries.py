"""No N+1: the convenings list (page and API) and the directory run as many queries for
many rows as for few."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civiclab.exchange.services.directory import set_entry
from tests.clients import as_user
from tests.exchange.convenings_helpers import convening
from tests.factories import MembershipFactory, UserFactory
from tests.portfolio.factories import challenge
from tests.world import World

pytestmark = pytest.mark.django_db


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def add_people(world: World, n: int) -> None:
    for _ in range(n):
        person = UserFactory()
        MembershipFactory(user=person, city=world.city, role="member")
        set_entry(None, person, {"visibility": "network"}, topics=["Blight"], skills=["GIS"])
        challenge(world.city, visibility="network", owner=person)


def test_directory_queries_do_not_grow_with_people(world: World) -> None:
    client = as_user(world.user("member"))
    add_people(world, 2)
    few = [count(client, "/exchange/directory/"), count(client, "/api/v1/exchange/directory")]
    add_people(world, 6)
    many = [count(client, "/exchange/directory/"), count(client, "/api/v1/exchange/directory")]
    assert many == few


def test_convening_lists_do_not_grow_with_convenings(world: World) -> None:
    client = as_user(world.user("member"))
    convening(world.network, "One")
    few = [count(client, "/exchange/convenings/"), count(client, "/api/v1/exchange/convenings")]
    for n in range(6):
        convening(world.network, f"More {n}", capacity=10)
    many = [count(client, "/exchange/convenings/"), count(client, "/api/v1/exchange/convenings")]
    assert many == few
