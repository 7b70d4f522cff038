"""People in API answers: a name for everyone, an email address only for colleagues (a role
in the object's city, or admin of its network). Every GET route is read from the NinjaAPI and
called on public objects, so a new route with a person field is covered without editing this
file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from civiclab.accounts.models import User
from civiclab.accounts.people import display_name
from civiclab.datasets import services as datasets
from civiclab.datasets.models import Dataset
from civiclab.indicators import services as indicators
from civiclab.indicators.models import Indicator
from civiclab.site.api import api
from tests.permission_matrix import api_headers
from tests.portfolio import factories as f
from tests.world import World

pytestmark = pytest.mark.django_db

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


@pytest.fixture
def public(world: World, tmp_path: Path) -> dict[str, Any]:
    """One public object of every kind in city A, owned or made by its member."""
    owner = world.user("member")
    path = tmp_path / "tiny.csv"
    path.write_text("id,day\n1,2024-01-02\n2,2024-02-03\n", encoding="utf-8")
    version = datasets.import_file(
        owner, world.city, "Tiny", path, path.name, datasets.ImportOptions()
    )
    Dataset.objects.filter(pk=version.dataset_id).update(visibility="public", owner=owner)
    spec = {"measure": {"type": "count"}, "time": {"column": "day", "period": "month"}}
    indicator = indicators.create_indicator(owner, version.dataset, "Rows", spec)
    Indicator.objects.filter(pk=indicator.pk).update(visibility="public")
    challenge = f.challenge(world.city, visibility="public", owner=owner)
    idea = f.idea(challenge)
    solution = f.solution(challenge, owner=owner)
    ids = {
        "challenges": challenge.pk,
        "evidence": f.evidence(challenge).pk,
        "causes": f.cause(challenge).pk,
        "opportunity-areas": f.opportunity(challenge).pk,
        "ideas": idea.pk,
        "scores": f.score(idea, owner).pk,
        "solutions": solution.pk,
        "milestones": f.milestone(solution).pk,
        "risks": f.risk(solution).pk,
        "decisions": f.decision(solution).pk,
        "updates": f.update(solution).pk,
        "teams": world.team.pk,
    }
    strings = {"slug": "city-a", "dataset": "tiny", "indicator": indicator.slug}
    return {"ids": ids, "strings": strings, "owner": owner}


def _json_routes(public: dict[str, Any]) -> list[str]:
    """Every GET route answering JSON, its path filled with the public objects."""
    document = api.get_openapi_schema(path_prefix="/api/v1/")
    urls = []
    for path, operations in document["paths"].items():
        operation = operations.get("get")
        if operation is None or "download" in path or path.endswith("openapi.json"):
            continue
        url = path
        for p in operation.get("parameters", []):
            if p["in"] != "path":
                continue
            if p["name"] in public["strings"]:
                value = public["strings"][p["name"]]
            else:
                value = public["ids"].get(path.split("/")[3])
            if value is None:
                break
            url = url.replace("{" + p["name"] + "}", str(value))
        else:
            urls.append(url)
    return urls


@pytest.mark.parametrize("actor", ["anonymous", "no_membership", "other_city_admin"])
def test_no_route_shows_an_email_to_people_outside_the_city(
    world: World, public: dict[str, Any], actor: str
) -> None:
    """GIVEN public objects of every kind owned by a city A member
    WHEN anyone outside city A reads every GET route of the API
    THEN no email address appears but the caller's own, and owners read by their name."""
    caller = world.user(actor)
    own = {caller.email} if caller is not None else set()
    client = Client(**api_headers(caller))
    urls = _json_routes(public)
    assert len(urls) > 30
    leaks, names = [], 0
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        leaks += [(url, e) for e in EMAIL.findall(response.content.decode()) if e not in own]
        names += response.content.decode().count(display_name(public["owner"]))
    assert leaks == []
    assert names >= 5  # dataset, version, indicator, challenge and solution owners by name


def test_colleagues_see_the_email_and_the_name(world: World, public: dict[str, Any]) -> None:
    """GIVEN the same objects WHEN a viewer of city A and a network admin read them
    THEN owners carry both name and email address."""
    owner: User = public["owner"]
    expected = {"name": owner.full_name, "email": owner.email}
    for actor in ("viewer", "network_admin"):
        client = Client(**api_headers(world.user(actor)))
        challenge = client.get(f"/api/v1/challenges/{public['ids']['challenges']}").json()
        dataset = client.get("/api/v1/cities/city-a/datasets/tiny").json()
        versions = client.get("/api/v1/cities/city-a/datasets/tiny/versions").json()["items"]
        assert challenge["owner"] == expected and dataset["owner"] == expected, actor
        assert versions[0]["created_by"] == expected, actor


def test_a_person_without_a_name_reads_by_the_start_of_their_address(world: World) -> None:
    """The fallback name never holds the whole address."""
    nameless = User(email="j.smith@city.example.org", full_name="")
    assert display_name(nameless) == "j.smith"
