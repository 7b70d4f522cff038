"""The freshness badge: "Due for update"/"Overdue" with the date, in words (not colour only);
nothing when fresh or when no frequency is promised; no query once the version is loaded; on
the catalogue, the dataset page, the indicator page and its cards."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civiclab.datasets.models import Dataset, DatasetVersion
from civiclab.datasets.queries import freshness_of
from civiclab.indicators.services import create_indicator
from civiclab.portfolio.models import SolutionIndicator
from tests.clients import as_user, body
from tests.datasets.web_helpers import make_dataset
from tests.portfolio import factories as pf
from tests.reports.nudge_helpers import T0, dataset, days
from tests.world import World

pytestmark = pytest.mark.django_db


def badge(data: Dataset | None, now: dt.datetime) -> str:
    template = Template("{% load freshness %}{% freshness_badge data now %}")
    return template.render(Context({"data": data, "now": now})).strip()


def test_badge_states(world: World) -> None:
    data = dataset(world.city)  # monthly, last update 10 Jan 2026
    assert badge(data, T0 + days(5)) == ""
    due = badge(data, T0 + days(32))
    assert "Due for update" in due and "freshness-due" in due and "10 Feb 2026" in due
    overdue = badge(data, T0 + days(60))
    assert "Overdue" in overdue and "10 Mar 2026" in overdue
    assert badge(None, T0) == ""


@pytest.mark.parametrize("frequency", ["", "once"])
def test_no_promise_no_badge(world: World, frequency: str) -> None:
    assert badge(dataset(world.city, frequency=frequency), T0 + days(3650)) == ""


def test_never_imported_says_so(world: World) -> None:
    assert "(no data yet)" in badge(dataset(world.city, updated=None), T0)


def test_freshness_of_needs_no_query_with_the_version_loaded(world: World) -> None:
    made = dataset(world.city)
    loaded = Dataset.objects.select_related("current_version").get(pk=made.pk)
    with CaptureQueriesContext(connection) as queries:
        assert freshness_of(loaded, T0 + days(60)).state == "overdue"
        badge(loaded, T0 + days(60))
    assert len(queries) == 0


def test_the_badge_shows_where_the_dataset_appears(world: World, tmp_path: Path) -> None:
    """Wherever the dataset (or an indicator made from it) is shown, a stale one says so."""
    data = make_dataset(world, tmp_path)
    data.update_frequency = "monthly"
    data.save()
    DatasetVersion.objects.filter(dataset=data).update(
        created_at=timezone.now() - dt.timedelta(days=100)
    )
    spec = {"measure": {"type": "count"}, "time": {"column": "opened", "period": "month"}}
    made = create_indicator(world.user("member"), data, "Potholes reported", spec)
    solution = pf.solution(pf.challenge(world.city))
    SolutionIndicator.objects.create(solution=solution, indicator=made)
    client = as_user(world.user("member"))
    for url in (
        f"/solutions/{solution.pk}/",  # its targets' indicator cards
        "/data/",
        "/cities/city-a/data/",
        "/cities/city-a/data/potholes/",
        f"/cities/city-a/indicators/{made.slug}/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "freshness-overdue" in body(response), url
    # fresh again: no mark
    DatasetVersion.objects.filter(dataset=data).update(created_at=timezone.now())
    assert "freshness-overdue" not in body(client.get("/cities/city-a/data/potholes/"))


def test_the_badge_in_french(world: World) -> None:
    data = dataset(world.city)
    from django.utils import translation

    with translation.override("fr"):
        text = badge(data, T0 + days(60))
    assert "En retard" in text and "10/03/2026" in text
