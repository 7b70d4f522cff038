"""A small network with one person per kind of relation to "home city" A.

Every permission test, today's and later issues', runs against this world: its actors are
the rows of the permission matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from civiclab.network.models import City, Network, Team
from tests.factories import (
    CityFactory,
    MembershipFactory,
    NetworkFactory,
    TeamFactory,
    UserFactory,
)

# Every kind of person the matrix checks, from least to most related to city A.
ACTORS = (
    "anonymous",
    "no_membership",  # signed in, belongs to no city
    "other_network_admin",  # runs a different network
    "other_city_admin",  # city admin of city B in the same network
    "viewer",  # viewer in A
    "member",  # member in A, no team
    "team_member",  # member in A, in team T
    "other_team_member",  # member in A, in team U
    "city_admin",  # city admin in A
    "network_admin",  # network admin of A's network
)


@dataclass
class World:
    network: Network
    city: City  # "A", the home city of the objects under test
    other_city: City  # "B", same network
    team: Team  # "T" in A
    other_team: Team  # "U" in A
    foreign_city: City  # in another network
    users: dict[str, Any] = field(default_factory=dict)

    def user(self, actor: str) -> Any:
        return self.users.get(actor)


def build_world() -> World:
    network = NetworkFactory(slug="matrix-net", name="Matrix network")
    city = CityFactory(network=network, slug="city-a", name="City A")
    other_city = CityFactory(network=network, slug="city-b", name="City B")
    team = TeamFactory(city=city, slug="team-t", name="Team T")
    other_team = TeamFactory(city=city, slug="team-u", name="Team U")
    foreign_network = NetworkFactory(slug="foreign-net", name="Foreign network")
    foreign_city = CityFactory(network=foreign_network, slug="city-f", name="City F")
    world = World(network, city, other_city, team, other_team, foreign_city)

    def person(actor: str) -> Any:
        user = UserFactory(email=f"{actor.replace('_', '.')}@matrix.example.org")
        world.users[actor] = user
        return user

    person("no_membership")
    MembershipFactory(
        user=person("other_network_admin"), network=foreign_network, city=None, role="network_admin"
    )
    MembershipFactory(user=person("other_city_admin"), city=other_city, role="city_admin")
    MembershipFactory(user=person("viewer"), city=city, role="viewer")
    MembershipFactory(user=person("member"), city=city, role="member")
    MembershipFactory(user=person("team_member"), city=city, team=team, role="member")
    MembershipFactory(user=person("other_team_member"), city=city, team=other_team, role="member")
    MembershipFactory(user=person("city_admin"), city=city, role="city_admin")
    MembershipFactory(
        user=person("network_admin"), network=network, city=None, role="network_admin"
    )
    # Every city keeps an admin, so "last admin" rules never interfere with the matrix.
    MembershipFactory(city=foreign_city, role="city_admin")
    return world
