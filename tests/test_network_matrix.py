"""Tenant isolation of cities, teams and memberships through the rules, lists, pages and API."""

from __future__ import annotations

import pytest

from civiclab.core.permissions import Role, Visibility
from civiclab.network.models import Membership
from civiclab.network.queries import (
    CITY_FIELDS,
    CITY_POLICY,
    MEMBERSHIP_FIELDS,
    MEMBERSHIP_POLICY,
    TEAM_FIELDS,
    TEAM_POLICY,
    visible_cities,
    visible_memberships,
    visible_teams,
)
from tests.factories import TeamFactory, UserFactory
from tests.permission_matrix import check_permission_matrix
from tests.world import World

pytestmark = pytest.mark.django_db


def test_team_matrix(world: World) -> None:
    """GIVEN a team of city A at each visibility WHEN each kind of person reaches it
    THEN only the people the rules name see, change or delete it, by page or API."""

    def make(w: World, vis: Visibility):
        return TeamFactory(city=w.city, visibility=vis)

    # A team's "team" visibility means its own members; see the next test.
    check_permission_matrix(
        world,
        make,
        visibilities=(Visibility.CITY, Visibility.NETWORK, Visibility.PUBLIC),
        policy=TEAM_POLICY,
        fields=TEAM_FIELDS,
        queryset=visible_teams,
        ui_url=lambda t: f"/cities/{t.city.slug}/teams/{t.slug}/",
        api_url=lambda t: f"/api/v1/teams/{t.pk}",
        api_update=lambda t: (f"/api/v1/teams/{t.pk}", {"name": "Renamed"}),
        api_delete=lambda t: f"/api/v1/teams/{t.pk}",
    )


def test_team_objects_are_seen_by_their_team(world: World) -> None:
    """A team-visibility team is itself the team: its members see it (team T in the world)."""
    world.team.visibility = Visibility.TEAM
    world.team.save()
    assert visible_teams(world.user("team_member")).filter(pk=world.team.pk).exists()
    assert not visible_teams(world.user("other_team_member")).filter(pk=world.team.pk).exists()


def test_city_matrix(world: World) -> None:
    def make(w: World, vis: Visibility):
        w.city.visibility = vis
        w.city.name = "City A"
        w.city.save()
        return w.city

    check_permission_matrix(
        world,
        make,
        visibilities=(Visibility.NETWORK, Visibility.PUBLIC),
        policy=CITY_POLICY,
        fields=CITY_FIELDS,
        queryset=visible_cities,
        ui_url=lambda c: f"/cities/{c.slug}/",
        api_url=lambda c: f"/api/v1/cities/{c.slug}",
        api_update=lambda c: (f"/api/v1/cities/{c.slug}", {"name": "Renamed"}),
    )


def test_membership_matrix(world: World) -> None:
    """Memberships read as city-visibility objects; only admins change or remove them."""

    def make(w: World, vis: Visibility) -> Membership:
        return Membership.objects.create(
            user=UserFactory(), network=w.network, city=w.city, role=Role.MEMBER
        )

    check_permission_matrix(
        world,
        make,
        visibilities=(Visibility.CITY,),
        policy=MEMBERSHIP_POLICY,
        fields=MEMBERSHIP_FIELDS,
        queryset=visible_memberships,
        api_update=lambda m: (f"/api/v1/memberships/{m.pk}", {"role": "viewer"}),
        api_delete=lambda m: f"/api/v1/memberships/{m.pk}",
    )
