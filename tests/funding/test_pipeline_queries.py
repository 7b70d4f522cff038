"""The pipeline's lists take as many queries with many rows as with few (no N+1)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.clients import as_user
from tests.funding import pipeline_factories as make
from tests.funding.test_pipeline_api import call
from tests.portfolio import factories
from tests.world import World

pytestmark = pytest.mark.django_db

URLS = (
    "/funding/cities/city-a/pipeline/",
    "/funding/cities/city-a/calendar/",
    "/funding/network/leveraged/?city=city-a",
    "/api/v1/funding/applications",
    "/api/v1/funding/leveraged?scope=network",
)


def add(world: World, count: int) -> None:
    challenge = factories.challenge(world.city)
    solution = factories.solution(challenge)
    opportunity = make.opportunity()
    for index in range(count):
        make.award(
            world.city, 10 + index, opportunity=opportunity, solution=solution,
            owner=world.user("member"), match_amount=Decimal(1),
        )  # fmt: skip
        make.application(world.city, deadline=opportunity.close_date, opportunity=opportunity)


def queries(world: World, url: str) -> int:
    user = world.user("city_admin")
    call(user, "get", "/api/v1/me")  # the API token is made once, outside the count
    client = as_user(user)
    client.get("/")  # the sign-in's first page fills the per-user caches, outside the count
    with CaptureQueriesContext(connection) as captured:
        if url.startswith("/api/"):
            assert call(user, "get", url).status_code == 200
        else:
            assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", URLS)
def test_lists_do_not_grow_with_rows(world: World, url: str) -> None:
    add(world, 2)
    few = queries(world, url)
    add(world, 8)
    assert queries(world, url) == few
