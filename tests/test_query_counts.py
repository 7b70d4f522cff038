"""Pinned query counts for list pages and API lists, so an N+1 never sneaks in."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.exchange.convenings_helpers import convening
from tests.factories import CityFactory, CohortFactory, MembershipFactory, TeamFactory
from tests.permission_matrix import api_headers
from tests.world import World

pytestmark = pytest.mark.django_db

# Most queries a city admin's request may take, however many rows there are, once signed in
# (the session is renewed every few minutes, not on every page: SessionRefreshMiddleware).
# Every page counts the session, the user, their memberships (core.scoping.actor_for) and
# the navigation's unread badge (exchange.queries.discussions.unread_count: one query on the
# user's own unread items; a second only when there are some).
PINNED = {
    # A member's home is their city's dashboard (reports): one query per kind of attention
    # item, the portfolio's two counts, the statuses, activity (updates, audit), the boundary.
    "/": 17,
    "/network/": 9,
    # the city, the funding leveraged panel's sum, the upcoming convenings panel (one query,
    # network and cohort joined), the onboarding checklist (one query of EXISTS: admin?
    # team, colleague, dataset, indicator, challenge; site/onboarding.py), teams, members
    "/cities/city-a/": 11,
    "/cities/city-a/members/": 8,
    "/api/v1/cities": 5,
    "/api/v1/memberships": 4,
    "/api/v1/cities/city-a/teams": 5,
}


def add_rows(world: World, count: int) -> None:
    cohort = CohortFactory(network=world.network)
    cohort.cities.add(world.city)
    for _ in range(count):
        # the city page's convenings panel: the network's and its cohort's
        convening(world.network, "Network forum", kind="forum")
        convening(world.network, "Cohort meeting", kind="cohort_meeting", cohort=cohort)
        city = CityFactory(network=world.network, visibility="network")
        city.cohorts.add(cohort)
        TeamFactory(city=world.city, visibility="network")
        MembershipFactory(city=world.city, role="member", team=world.team)
        MembershipFactory(city=city, role="city_admin")


def count_queries(world: World, url: str) -> int:
    user = world.user("city_admin")
    client = Client()
    headers = api_headers(user) if url.startswith("/api/") else {}
    if headers:
        client.get("/api/v1/me", **headers)  # a token's first use writes last_used_at
    else:
        client.force_login(user)
        # the first request after signing in renews the session and learns the city's
        # language; counted here is what every later page costs
        client.get("/api/v1/me")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(("url", "pinned"), PINNED.items())
def test_query_count_does_not_grow_with_rows(world: World, url: str, pinned: int) -> None:
    add_rows(world, 2)
    few = count_queries(world, url)
    add_rows(world, 10)
    many = count_queries(world, url)
    assert many == few, f"{url}: {few} queries with few rows, {many} with more"
    assert many <= pinned, f"{url}: {many} queries, more than the {pinned} pinned"
