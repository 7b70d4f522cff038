"""The API's public results: the same documents as the JSON exports, only public objects."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from tests.permission_matrix import api_headers
from tests.reports.public_helpers import PRIVATE_WORDS, Public, public_world
from tests.world import World


@pytest.fixture
def pub(world: World, tmp_path: Path) -> Public:
    return public_world(world, tmp_path)


def test_the_api_gives_public_results_only(pub: Public, world: World) -> None:
    client = Client(**api_headers(world.user("city_admin")))
    city = client.get(f"/api/v1/reports/public/cities/{pub.city.slug}")
    assert city.status_code == 200
    assert [s["id"] for s in city.json()["solutions"]] == [pub.solution.pk]
    solution = client.get(
        f"/api/v1/reports/public/cities/{pub.city.slug}/solutions/{pub.solution.pk}?lang=fr"
    )
    assert solution.status_code == 200
    document = solution.json()
    assert [i["slug"] for i in document["indicators"]] == [pub.indicator.slug]
    text = solution.content.decode()
    for word in PRIVATE_WORDS:
        assert word not in text and word not in city.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/reports/public/cities/nowhere",
        "/api/v1/reports/public/cities/{city}/solutions/{private}",
        "/api/v1/reports/public/cities/{city}/solutions/999999",
    ],
)
def test_unknown_or_private_is_404(pub: Public, world: World, path: str) -> None:
    client = Client(**api_headers(world.user("city_admin")))
    url = path.format(city=pub.city.slug, private=pub.private_solution.pk)
    assert client.get(url).status_code == 404


def test_a_bad_language_is_refused_clearly(pub: Public, world: World) -> None:
    client = Client(**api_headers(world.user("city_admin")))
    answer = client.get(f"/api/v1/reports/public/cities/{pub.city.slug}?lang=de")
    assert answer.status_code == 422
