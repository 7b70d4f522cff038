"""The catalogue: search over names, descriptions and column names; facets whose counts
never include what the reader cannot see; themes and tags."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from civiclab.core.permissions import Visibility
from civiclab.datasets import services
from civiclab.datasets.models import MAX_TAGS, Dataset
from civiclab.datasets.queries import catalogue_search
from tests.clients import as_user, body
from tests.datasets.web_helpers import make_dataset
from tests.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(world: World, tmp_path: Path) -> dict[str, Dataset]:
    admin = world.user("city_admin")
    trees = make_dataset(world, tmp_path, "Street trees", "species,diametre_cm\noak,30\n")
    services.update_dataset(
        admin, trees, themes=["environment"], tags=["Trees", " canopy "], licence="ODbL"
    )
    bikes = make_dataset(world, tmp_path, "Bike counts", "station,count\nA,3\n")
    services.update_dataset(
        admin,
        bikes,
        themes=["transport"],
        tags=["trees"],
        description="Compteurs vélo du réseau",
        update_frequency="daily",
    )
    secret = make_dataset(
        world, tmp_path, "Secret tree audit", "parcel,value\n1,2\n", visibility=Visibility.TEAM
    )
    services.update_dataset(admin, secret, themes=["environment"], tags=["trees", "hidden-tag"])
    return {"trees": trees, "bikes": bikes, "secret": secret}


def _counts(found, facet: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return dict(found.counts[facet])


def test_tags_are_cleaned_and_bounded(world: World, catalogue: dict[str, Dataset]) -> None:
    trees = Dataset.objects.get(pk=catalogue["trees"].pk)
    assert trees.tags == ["trees", "canopy"] and trees.themes == ["environment"]
    with pytest.raises(ValidationError):
        services.update_dataset(
            world.user("member"), trees, tags=[f"t{i}" for i in range(MAX_TAGS + 1)]
        )
    with pytest.raises(ValidationError):
        services.update_dataset(world.user("member"), trees, themes=["astrology"])


def test_counts_never_include_what_the_reader_cannot_see(
    world: World, catalogue: dict[str, Dataset]
) -> None:
    outsider = catalogue_search(world.user("other_team_member"))
    assert _counts(outsider, "tag")["trees"] == 2
    assert "hidden-tag" not in _counts(outsider, "tag")
    assert _counts(outsider, "theme") == {"environment": 1, "transport": 1}
    assert _counts(outsider, "visibility") == {"city": 2}
    insider = catalogue_search(world.user("team_member"))
    assert _counts(insider, "tag")["trees"] == 3 and _counts(insider, "tag")["hidden-tag"] == 1
    assert _counts(insider, "visibility") == {"city": 2, "team": 1}
    # A city of another network sees none of it, counts included.
    foreign = catalogue_search(world.user("other_network_admin"))
    assert foreign.total == 0 and not any(foreign.counts.values())


def test_facets_narrow_and_count_what_is_kept(world: World, catalogue: dict[str, Dataset]) -> None:
    found = catalogue_search(world.user("member"), selected={"theme": "environment"})
    assert [d.slug for d in found.datasets] == ["street-trees"]
    assert _counts(found, "licence") == {"ODbL": 1}
    assert _counts(found, "format") == {"csv": 1}
    daily = catalogue_search(world.user("member"), selected={"frequency": "daily"})
    assert [d.name for d in daily.datasets] == ["Bike counts"]
    ignored = catalogue_search(world.user("member"), selected={"nonsense": "x"})
    assert ignored.total == 2


def test_search_names_descriptions_and_columns_ignoring_accents(
    world: World, catalogue: dict[str, Dataset]
) -> None:
    member = world.user("member")
    assert [d.name for d in catalogue_search(member, "STREET").datasets] == ["Street trees"]
    assert [d.name for d in catalogue_search(member, "velo").datasets] == ["Bike counts"]
    assert [d.name for d in catalogue_search(member, "diametre").datasets] == ["Street trees"]
    assert catalogue_search(member, "audit").total == 0  # the team's dataset
    assert catalogue_search(member, "station bike").total == 1
    assert catalogue_search(member, "station trees-nope").total == 0


def test_the_page_shows_facets_and_search(world: World, catalogue: dict[str, Dataset]) -> None:
    client = as_user(world.user("other_team_member"))
    page = html.unescape(body(client.get("/data/?tag=trees")))
    assert "Street trees" in page and "Bike counts" in page
    assert "Secret tree audit" not in page and "hidden-tag" not in page
    assert 'aria-current="true">✓ trees</a> <span class="count">(2)</span>' in page
    searched = html.unescape(body(client.get("/data/?q=" + "x" * 5000)))
    assert "No datasets to show yet." in searched
    anonymous = body(as_user(None).get("/data/"))
    assert "Street trees" not in anonymous and "(1)" not in anonymous


def test_the_edit_form_takes_themes_and_tags(world: World, catalogue: dict[str, Dataset]) -> None:
    trees = catalogue["trees"]
    client = as_user(world.user("member"))
    url = f"/cities/city-a/data/{trees.slug}/edit/"
    response = client.post(
        url,
        {
            "name": trees.name,
            "update_frequency": "",
            "licence": "ODbL",
            "visibility": "city",
            "themes": ["environment", "planning"],
            "tags": "Trees, shade",
        },
    )
    assert response.status_code == 302, body(response)
    trees.refresh_from_db()
    assert trees.themes == ["environment", "planning"] and trees.tags == ["trees", "shade"]
    page = html.unescape(body(client.get(f"/cities/city-a/data/{trees.slug}/")))
    assert "Urban planning and land" in page and "?tag=shade" in page


def test_french_catalogue(world: World, catalogue: dict[str, Dataset]) -> None:
    member = world.user("member")
    member.language = "fr"
    member.save(update_fields=["language"])
    page = html.unescape(body(as_user(member).get("/data/")))
    assert "Environnement et climat" in page and "Thématique" in page
    assert "Rechercher dans les noms, descriptions et colonnes" in page


def test_the_api_searches_with_the_same_facets(world: World, catalogue: dict[str, Dataset]) -> None:
    from django.test import Client

    from tests.permission_matrix import api_headers

    headers = api_headers(world.user("other_team_member"))
    found = Client().get("/api/v1/datasets?tag=trees", **headers).json()
    assert sorted(d["name"] for d in found["items"]) == ["Bike counts", "Street trees"]
    assert found["count"] == 2
    assert Client().get("/api/v1/datasets?q=velo", **headers).json()["count"] == 1
    assert Client().get("/api/v1/datasets?q=audit", **headers).json()["count"] == 0
    assert Client().get("/api/v1/datasets?q=" + "x" * 201, **headers).status_code == 422
    everything = Client().get("/api/v1/datasets?city=city-a", **headers).json()
    assert everything["count"] == 2 and everything["items"][0]["tags"] in (
        ["trees"],
        ["trees", "canopy"],
    )
