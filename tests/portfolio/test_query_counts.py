"""Portfolio lists take the same number of queries however many rows there are."""

from __future__ import annotations

import pytest

from tests.portfolio import factories as f
from tests.test_query_counts import count_queries
from tests.world import World

pytestmark = pytest.mark.django_db

URLS = [
    "/api/v1/challenges",
    "/api/v1/evidence",
    "/api/v1/ideas",
    "/api/v1/scores",
    "/api/v1/solutions",
    "/api/v1/milestones",
    "/portfolio/board/",
    "/portfolio/timeline/",
    "/portfolio/network/",
]


def add_work(world: World, count: int) -> None:
    for i in range(count):
        city = world.city if i % 2 else world.other_city
        challenge = f.challenge(city, visibility="network", team=world.team if i % 2 else None)
        f.evidence(challenge)
        idea = f.idea(challenge)
        f.score(idea, world.user("member"))
        solution = f.solution(challenge)
        f.milestone(solution)
        f.update(solution)


@pytest.mark.parametrize("url", URLS)
def test_portfolio_lists_do_not_grow_with_rows(world: World, url: str) -> None:
    add_work(world, 2)
    few = count_queries(world, url)
    add_work(world, 8)
    many = count_queries(world, url)
    assert many == few, f"{url}: {few} queries with few rows, {many} with more"


def test_challenge_page_does_not_grow_with_its_parts(world: World) -> None:
    challenge = f.challenge(world.city)
    for _ in range(2):
        f.evidence(challenge), f.cause(challenge), f.idea(challenge), f.solution(challenge)
    few = count_queries(world, f"/challenges/{challenge.pk}/")
    for _ in range(6):
        f.evidence(challenge), f.cause(challenge), f.idea(challenge), f.solution(challenge)
    many = count_queries(world, f"/challenges/{challenge.pk}/")
    assert many == few, f"{few} queries with few parts, {many} with more"
