"""What is made from a dataset is never seen more widely than the dataset is *now*: indicators
(pages, API, results), indicator cards, choropleths, evidence snapshots and datasets saved from
a spatial analysis, when the dataset is narrowed after they were made."""

from __future__ import annotations

from itertools import count
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from civiclab.core.permissions import Visibility
from civiclab.datasets import services as datasets
from civiclab.datasets.models import Dataset
from civiclab.datasets.queries import city_query, visible_datasets
from civiclab.geo import services as geo
from civiclab.indicators import services as indicators
from civiclab.indicators.models import Indicator
from civiclab.indicators.queries import may_view_indicator, visible_indicators
from civiclab.portfolio import services as portfolio
from tests.clients import as_user
from tests.datasets.helpers import write
from tests.permission_matrix import api_headers, check_permission_matrix
from tests.portfolio import factories
from tests.world import World

pytestmark = pytest.mark.django_db

REQUESTS = (
    "id,kind,opened,Latitude,Longitude\n"
    "1,pothole,2024-01-05,30.69,-88.10\n"
    "2,pothole,2024-01-20,30.70,-88.11\n"
    "3,graffiti,2024-02-03,30.68,-88.09\n"
    "4,graffiti,2024-02-11,30.6901,-88.1001\n"
    "5,pothole,2024-03-08,30.71,-88.12\n"
)
SITES = "site,Latitude,Longitude\nCity Hall,30.69,-88.10\n"
MONTHLY = {"measure": {"type": "count"}, "time": {"column": "opened", "period": "month"}}
# The results routes: each serves the dataset's numbers.
RESULT_ROUTES = ("", "/series", "/signals", "/goal", "/equity")


def imported(world: World, tmp_path: Path, name: str, text: str, visibility: str) -> Dataset:
    path = write(tmp_path / f"{name.replace(' ', '-')}.csv", text)
    options = datasets.ImportOptions(visibility=visibility)
    return datasets.import_file(None, world.city, name, path, path.name, options).dataset


def narrow_to_team(world: World, dataset: Dataset) -> None:
    """What a city admin does when a dataset turns out to hold what only a team may see."""
    datasets.update_dataset(
        world.user("city_admin"), dataset, visibility=Visibility.TEAM.value, team=world.team
    )


@pytest.fixture
def requests(world: World, tmp_path: Path) -> Dataset:
    return imported(world, tmp_path, "Requests", REQUESTS, "public")


def api(user: Any, url: str) -> int:
    return Client().get(url, **api_headers(user)).status_code


def page(user: Any, url: str) -> Any:
    return as_user(user).get(url)


def test_indicator_matrix_after_its_dataset_is_narrowed(world: World, requests: Dataset) -> None:
    """GIVEN an indicator of city A at each visibility over a public dataset WHEN the dataset
    is narrowed to team T afterwards THEN only the people who see both see the indicator or
    change it (list, page, API), as if the indicator did not exist for the others."""
    numbers = count()

    def build(w: World, vis: Visibility) -> Indicator:
        Dataset.objects.filter(pk=requests.pk).update(visibility="public", team=None)
        requests.refresh_from_db()
        indicator = indicators.create_indicator(None, requests, f"matrix {next(numbers)}", MONTHLY)
        indicator.visibility = vis
        indicator.team = w.team if vis is Visibility.TEAM else None
        indicator.save()
        narrow_to_team(w, requests)
        return indicator

    def url(i: Indicator) -> str:
        return f"/api/v1/cities/{i.city.slug}/indicators/{i.slug}"

    check_permission_matrix(
        world,
        build,
        queryset=visible_indicators,
        ui_url=lambda i: f"/cities/{i.city.slug}/indicators/{i.slug}/",
        api_url=url,
        api_update=lambda i: (url(i), {"description": "x"}),
        api_delete=url,
        source_visibility=Visibility.TEAM,
        can_view=may_view_indicator,
    )


def test_no_page_or_route_shows_the_numbers_or_tells_it_exists(
    world: World, requests: Dataset
) -> None:
    """GIVEN a city-wide indicator whose computed results are cached WHEN its dataset is
    narrowed to team T THEN for a member outside T every page and API route of it is a 404
    (not a 403) and no list names it, while a member of T still sees its numbers."""
    made = indicators.create_indicator(world.user("member"), requests, "Potholes", MONTHLY)
    indicators.results(made)  # cached before the narrowing: the cache must not answer
    narrow_to_team(world, requests)
    base = f"/api/v1/cities/city-a/indicators/{made.slug}"
    for route in RESULT_ROUTES:
        assert api(world.user("member"), base + route) == 404, route
        assert api(world.user("team_member"), base + route) == 200, route
    for path in ("", "series.csv"):
        assert (
            page(world.user("member"), f"/cities/city-a/indicators/potholes/{path}").status_code
            == 404
        )
    assert page(world.user("team_member"), "/cities/city-a/indicators/potholes/").status_code == 200
    assert (
        "Potholes" not in page(world.user("member"), "/cities/city-a/indicators/").content.decode()
    )
    listed = Client().get("/api/v1/indicators", **api_headers(world.user("member"))).json()
    assert made.slug not in [i["slug"] for i in listed["items"]]
    choropleth = f"/cities/city-a/geo/choropleth/{made.slug}/"
    assert page(world.user("member"), choropleth).status_code == 404


def test_cards_and_evidence_snapshots_follow_the_dataset(world: World, requests: Dataset) -> None:
    """GIVEN a city challenge whose data finding froze an indicator's number WHEN the dataset
    is narrowed to team T THEN a member outside T still reads the finding's words but neither
    its number (page, API, export) nor the indicator's card; a member of T sees both.

    Decision: the frozen number is a copy of the dataset's numbers, so it follows who may see
    the dataset now, like a live one; the words of the finding were written by a person and
    stay with the evidence's own visibility."""
    made = indicators.create_indicator(world.user("member"), requests, "Potholes", MONTHLY)
    challenge = factories.challenge(world.city, visibility="city")
    finding = portfolio.add_evidence(
        world.user("member"), challenge, "data", "Potholes pile up", indicator=made,
        body="Three a month since January.",
    )  # fmt: skip
    assert finding.snapshot["value"] == 1
    narrow_to_team(world, requests)

    outside = page(world.user("member"), f"/challenges/{challenge.pk}/").content.decode()
    assert "Potholes pile up" in outside and "Three a month" in outside
    assert 'class="value"' not in outside and "This indicator is not shared with you." in outside
    assert "The number comes from data that is not shared with you." in outside
    inside = page(world.user("team_member"), f"/challenges/{challenge.pk}/").content.decode()
    assert 'class="value"' in inside and "not shared with you" not in inside

    url = f"/api/v1/evidence/{finding.pk}"
    hidden = Client().get(url, **api_headers(world.user("member"))).json()
    assert hidden["snapshot"] == {} and hidden["snapshot_withheld"] is True
    assert hidden["indicator"] is None  # the indicator's name does not leak either
    shown = Client().get(url, **api_headers(world.user("team_member"))).json()
    assert shown["snapshot"]["value"] == 1 and shown["snapshot_withheld"] is False
    listed = (
        Client()
        .get(f"/api/v1/evidence?challenge={challenge.pk}", **api_headers(world.user("member")))
        .json()["items"]
    )
    assert listed[0]["snapshot"] == {}
    exported = (
        Client()
        .get(f"/api/v1/challenges/{challenge.pk}/export", **api_headers(world.user("member")))
        .json()
    )
    assert exported["evidence"][0]["snapshot"] == {}


def test_saved_analysis_results_follow_their_sources(
    world: World, requests: Dataset, tmp_path: Path
) -> None:
    """GIVEN the rows of Requests near Sites saved as a city dataset WHEN Requests is narrowed
    to team T THEN the saved rows are hidden from members outside T (list, page, API, the
    city's query engine) and stay with T; the saved dataset names its sources."""
    sites = imported(world, tmp_path, "Sites", SITES, "city")
    answer = geo.proximity_between(requests, sites, 500.0)
    saved = geo.save_matches(world.user("member"), answer, "Near sites").dataset
    assert set(saved.sources.values_list("slug", flat=True)) == {"requests", "sites"}
    assert visible_datasets(world.user("member")).filter(pk=saved.pk).exists()

    narrow_to_team(world, requests)
    member, team_member = world.user("member"), world.user("team_member")
    assert not visible_datasets(member).filter(pk=saved.pk).exists()
    assert visible_datasets(team_member).filter(pk=saved.pk).exists()
    assert page(member, "/cities/city-a/data/near-sites/").status_code == 404
    assert api(member, "/api/v1/cities/city-a/datasets/near-sites/rows") == 404
    assert api(team_member, "/api/v1/cities/city-a/datasets/near-sites/rows") == 200
    with city_query(member, world.city) as query:
        tables = query.execute("SELECT table_name FROM information_schema.tables").rows
    assert ("near-sites",) not in tables and ("sites",) in tables
