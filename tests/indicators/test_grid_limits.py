"""An indicator's grid of periods × groups is bounded, and checked before it is built
(issue 10.9): a breakdown by an identifier is refused with what to change, on every path —
the API's preview, saving, the builder and the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings

from civiclab.datasets import services as datasets
from civiclab.datasets.models import Dataset
from civiclab.indicators import evaluate as evaluate_module
from civiclab.indicators.models import Indicator
from tests.clients import as_user, body
from tests.datasets.helpers import REAL
from tests.permission_matrix import api_headers
from tests.world import World

pytestmark = pytest.mark.django_db
REQUESTS = REAL / "baltimore311-2014-2018-sample/311_sample.csv"
# SRRecordID is an identifier: 10,000 rows, about as many groups.
BY_RECORD = {
    "dataset": "311",
    "measure": {"type": "count"},
    "time": {"column": "CreatedDate", "period": "quarter"},
    "breakdown": "SRRecordID",
}


@pytest.fixture
def requests_311(world: World) -> Dataset:
    return datasets.import_file(
        None, world.city, "311", REQUESTS, REQUESTS.name, datasets.ImportOptions()
    ).dataset


@pytest.fixture
def no_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    """Building a grid fails the test: the size must be known before."""

    def refuse(*_args: Any) -> None:
        raise AssertionError("the grid was built before its size was checked")

    monkeypatch.setattr(evaluate_module, "lay_out", refuse)


def preview(world: World, spec: dict, language: str = "en") -> Any:
    return Client().post(
        f"/api/v1/cities/{world.city.slug}/indicators/evaluate",
        json.dumps({"spec": spec}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
        **api_headers(world.user("member")),
    )


def test_a_breakdown_by_an_identifier_is_refused_before_the_grid_is_built(
    world: World, requests_311: Dataset, no_grid: None
) -> None:
    """GIVEN the real Baltimore 311 sample WHEN its preview is asked per quarter by
    SRRecordID THEN a 422 on the breakdown says how many groups, the limit, and what to do,
    and no grid is built."""
    answer = preview(world, BY_RECORD)
    assert answer.status_code == 422, answer.content
    (detail,) = answer.json()["error"]["details"]
    assert detail["field"] == "breakdown"
    assert "at most 2,000 can be shown" in detail["message"]
    assert "groups" in detail["message"] and "'in' filter" in detail["message"]
    french = preview(world, BY_RECORD, "fr").json()["error"]["details"][0]["message"]
    assert "au plus 2\xa0000" in french or "au plus 2\u202f000" in french, french


@override_settings(INDICATOR_MAX_CELLS=5000)
def test_too_many_cells_suggest_a_coarser_period(
    world: World, requests_311: Dataset, no_grid: None
) -> None:
    """GIVEN 16 agencies over five years WHEN asked per day (about 30,000 values, over a limit
    of 5,000) THEN a 422 on the period suggests a coarser one; per month it is computed."""
    spec = {**BY_RECORD, "time": {"column": "CreatedDate", "period": "day"},
            "breakdown": "Agency"}  # fmt: skip
    answer = preview(world, spec)
    assert answer.status_code == 422
    (detail,) = answer.json()["error"]["details"]
    assert detail["field"] == "period" and "coarser period" in detail["message"]


def test_per_month_by_agency_is_within_the_limits(world: World, requests_311: Dataset) -> None:
    spec = {**BY_RECORD, "time": {"column": "CreatedDate", "period": "month"},
            "breakdown": "Agency"}  # fmt: skip
    answer = preview(world, spec)
    assert answer.status_code == 200
    assert len(answer.json()["breakdown"]) <= 100_000


def test_saving_and_the_builder_refuse_it_beside_the_breakdown(
    world: World, requests_311: Dataset, no_grid: None
) -> None:
    """GIVEN the same spec WHEN saved through the API or the builder THEN nothing is saved and
    the message is the breakdown field's — in French for a French reader."""
    spec = {k: v for k, v in BY_RECORD.items() if k != "dataset"}
    answer = Client().post(
        f"/api/v1/cities/{world.city.slug}/indicators",
        json.dumps({"name": "Per record", "dataset": "311", "spec": spec}),
        content_type="application/json",
        **api_headers(world.user("member")),
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["field"] == "breakdown"
    member = world.user("member")
    member.language = "fr"
    member.save()
    page = as_user(member).post(
        f"/cities/{world.city.slug}/indicators/new/",
        {"dataset": "311", "name": "Par demande", "measure": "count", "stat": "median",
         "unit": "hours", "time_column": "CreatedDate", "period": "quarter",
         "breakdown": "SRRecordID", "polarity": "lower_is_better", "visibility": "city"},
    )  # fmt: skip
    assert page.status_code == 200
    html = body(page)
    assert 'id="id_breakdown_error"' in html and "au plus 2" in html
    assert not Indicator.objects.exists()


def test_the_command_line_refuses_it_too(
    world: World, requests_311: Dataset, tmp_path: Path, no_grid: None
) -> None:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(BY_RECORD))
    with pytest.raises(CommandError, match="at most 2,000 can be shown"):
        call_command("indicator", "eval", str(path), "--city", world.city.slug)
