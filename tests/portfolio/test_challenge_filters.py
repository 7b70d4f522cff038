"""The challenge list's filters are one definition: the board, the portfolio table (and its CSV)
and the API read the same parameters, mean the same by them and refuse the same bad values."""

from __future__ import annotations

import csv
import io
from typing import Any, Literal, get_args, get_origin

import pytest
from django.test import Client

from civiclab.portfolio.filtersets import MAX_SEARCH, ChallengeFilterSet
from civiclab.portfolio.schemas import ChallengeFilters
from tests.clients import as_user
from tests.factories import CohortFactory
from tests.permission_matrix import api_headers
from tests.portfolio import factories as f
from tests.world import World

pytestmark = pytest.mark.django_db


def _literal_values(annotation: Any) -> set[str] | None:
    """The values a ``Literal[...] | None`` annotation allows; None for a free string."""
    for arg in (annotation, *get_args(annotation)):
        if get_origin(arg) is Literal:
            return set(get_args(arg))
    return None


def test_the_api_declares_the_filtersets_parameters_and_choices(world: World) -> None:
    """GIVEN the pages' FilterSet and the API's FilterSchema THEN they name the same parameters
    in the same order, and every fixed choice list is the same."""
    filterset = ChallengeFilterSet(user=world.user("member"))
    assert list(ChallengeFilters.model_fields) == list(filterset.filters)
    for name, declared in ChallengeFilters.model_fields.items():
        allowed = _literal_values(declared.annotation)
        extra = filterset.filters[name].extra
        if name in ("city", "cohort"):  # the reader's cities and cohorts, checked by the set
            assert allowed is None, name
        elif allowed is None:  # free text
            assert name == "q" and extra["max_length"] == MAX_SEARCH
        else:
            assert allowed == {value for value, _label in extra["choices"]}, name


@pytest.fixture
def demo(world: World) -> dict[str, Any]:
    """A small portfolio like the demo's: two cities of a cohort, phases, areas, sharing and
    solutions in every status, and what the reader may not see."""
    cohort = CohortFactory(network=world.network, slug="vacancy-2026", name="Vacancy 2026")
    world.other_city.cohorts.add(cohort)
    a, b = world.city, world.other_city
    blight = f.challenge(a, title="Blighted homes", priority_area="housing", phase="deliver")
    f.solution(blight, title="Blight squad", status="at_risk", stage="deliver")
    asthma = f.challenge(a, title="Asthma visits", priority_area="health", phase="generate")
    f.solution(asthma, title="Clean air", status="on_track")
    f.challenge(a, title="Slow buses", priority_area="mobility", visibility="public")
    flood = f.challenge(b, title="Shared flooding", priority_area="environment", phase="prepare",
                        visibility="network")  # fmt: skip
    f.solution(flood, title="Rain gardens", status="off_track", visibility="network")
    f.challenge(b, title="Blight in B", priority_area="housing", visibility="network")
    f.challenge(b, title="B's own", visibility="city")  # not for A's people
    f.challenge(world.foreign_city, title="Foreign blight", visibility="network")
    return {"cohort": cohort}


def _board(client: Client, query: str) -> set[str]:
    response = client.get(f"/portfolio/board/?{query}")
    assert response.status_code == 200, (query, response.status_code)
    return {c.title for _key, _label, items in response.context["columns"] for c in items}


def _table(client: Client, query: str) -> set[str]:
    response = client.get(f"/portfolio/?{query}")
    assert response.status_code == 200, (query, response.status_code)
    return {row.challenge.title for row in response.context["rows"]}


def _csv(client: Client, query: str) -> set[str]:
    response = client.get(f"/portfolio/export.csv?{query}")
    assert response.status_code == 200, (query, response.status_code)
    return {row["challenge"] for row in csv.DictReader(io.StringIO(response.content.decode()))}


def _api(user: Any, query: str) -> set[str]:
    response = Client().get(f"/api/v1/challenges?limit=200&{query}", **api_headers(user))
    assert response.status_code == 200, (query, response.content)
    return {item["title"] for item in response.json()["items"]}


SEEN_BY_A = {"Blighted homes", "Asthma visits", "Slow buses", "Shared flooding", "Blight in B"}
QUERIES = {
    "": SEEN_BY_A,
    "city=&phase=&q=": SEEN_BY_A,  # an empty select means all, as a page's form sends it
    "city=city-b": {"Shared flooding", "Blight in B"},
    "cohort=vacancy-2026": {"Shared flooding", "Blight in B"},
    "phase=deliver": {"Blighted homes"},
    "priority_area=housing": {"Blighted homes", "Blight in B"},
    "visibility=network": {"Shared flooding", "Blight in B"},
    "q=BLIGHT": {"Blighted homes", "Blight in B"},
    "status=at_risk": {"Blighted homes"},
    "status=off_track&cohort=vacancy-2026": {"Shared flooding"},
    "city=city-a&priority_area=housing&phase=deliver": {"Blighted homes"},
}


@pytest.mark.parametrize("query", list(QUERIES))
def test_board_table_csv_and_api_filter_alike(world: World, demo: dict, query: str) -> None:
    """GIVEN demo-like challenges WHEN the board, the table, its CSV and the API are asked the
    same question THEN they answer with the same challenges (and the expected ones)."""
    member = world.user("member")
    client = as_user(member)
    expected = QUERIES[query]
    assert _board(client, query) == expected
    assert _table(client, query) == expected
    assert _csv(client, query) == expected
    assert _api(member, query) == expected


def test_the_table_still_reads_a_cohort_by_id(world: World, demo: dict) -> None:
    client = as_user(world.user("member"))
    by_id = _table(client, f"cohort={demo['cohort'].pk}")
    assert by_id == _table(client, "cohort=vacancy-2026") == {"Shared flooding", "Blight in B"}
    network = client.get(f"/portfolio/network/?cohort={demo['cohort'].pk}").content.decode()
    assert "Shared flooding" in network


BAD = {
    "phase=nope": "phase",
    "priority_area=parks": "priority_area",
    "visibility=secret": "visibility",
    "status=late": "status",
    "city=atlantis": "city",
    "city=city-f": "city",  # another network's city is not one the reader may choose
    "cohort=no-such-cohort": "cohort",
    f"q={'x' * (MAX_SEARCH + 1)}": "q",
}


@pytest.mark.parametrize("query", list(BAD))
def test_bad_values_are_refused_cleanly(world: World, demo: dict, query: str) -> None:
    """GIVEN a value that is not one of a filter's choices THEN the pages answer 400 with the
    error on the form and no rows, the CSV 400 naming the filter, and the API a 422 naming it —
    never a 500, never the value silently ignored."""
    member = world.user("member")
    client = as_user(member)
    name = BAD[query]
    for url in ("/portfolio/board/", "/portfolio/"):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400, url
        body = response.content.decode()
        assert f'id="id_{name}_error"' in body, url
        assert "Blighted homes" not in body, url
    csv_answer = client.get(f"/portfolio/export.csv?{query}")
    assert csv_answer.status_code == 400 and csv_answer.content.decode().startswith(f"{name}:")
    api = Client().get(f"/api/v1/challenges?{query}", **api_headers(member))
    assert api.status_code == 422, api.content
    error = api.json()["error"]
    assert error["code"] == "validation_error"
    assert [d["field"] for d in error["details"]] == [name]
