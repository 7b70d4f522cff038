"""Scoped reads of the network: what a given user may see of cities, teams and memberships."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from civiclab.core.permissions import ADMIN_POLICY, Policy, Role, Visibility, scopes_for
from civiclab.core.scoping import ScopeFields, actor_for, scope_filter
from civiclab.network.models import City, Cohort, Membership, Network, Team

CITY_FIELDS = ScopeFields(network="network_id", city="id", team=None, visibility="visibility")
TEAM_FIELDS = ScopeFields(
    network="city__network_id", city="city_id", team="id", visibility="visibility"
)
# Membership lists are the city's business: they read as city-visibility objects.
MEMBERSHIP_FIELDS = ScopeFields(
    network="network_id", city="city_id", team=None, visibility="visibility"
)
MEMBERSHIP_POLICY = ADMIN_POLICY
CITY_POLICY = Policy(create=Role.NETWORK_ADMIN, edit=Role.CITY_ADMIN, delete=Role.NETWORK_ADMIN)
TEAM_POLICY = ADMIN_POLICY


def visible_cities(user: Any) -> QuerySet[City]:
    scopes = scopes_for(actor_for(user))
    return City.objects.filter(scope_filter(scopes, CITY_FIELDS)).select_related("network")


def visible_teams(user: Any) -> QuerySet[Team]:
    scopes = scopes_for(actor_for(user))
    return Team.objects.filter(scope_filter(scopes, TEAM_FIELDS)).select_related(
        "city", "city__network"
    )


def visible_memberships(user: Any) -> QuerySet[Membership]:
    """Members of the user's own cities, the user's own memberships, all for network admins."""
    actor = actor_for(user)
    if not actor.authenticated:
        return Membership.objects.none()
    scopes = scopes_for(actor)
    return Membership.objects.filter(
        Q(user_id=actor.user_id)
        | Q(city_id__in=scopes.city_ids)
        | Q(network_id__in=scopes.all_in_networks)
    ).select_related("user", "city", "team", "network")


def visible_networks(user: Any) -> QuerySet[Network]:
    """Networks the user belongs to, or that have a public city."""
    scopes = scopes_for(actor_for(user))
    return Network.objects.filter(
        Q(id__in=scopes.network_ids) | Q(cities__visibility=Visibility.PUBLIC)
    ).distinct()


def visible_cohorts(user: Any) -> QuerySet[Cohort]:
    return Cohort.objects.filter(network__in=visible_networks(user)).prefetch_related("cities")
