"""breakdown_top on every path (issue 10.9): the real Baltimore 311 sample broken down by its
request identifier passes the group limit with the ten first groups and Other, through the API's
preview, saved indicators, the builder, its preview and ``civiclab indicator eval``."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from django.core.management import call_command
from django.test import Client

from civiclab.datasets import services as datasets
from civiclab.datasets.models import Dataset
from civiclab.indicators.models import Indicator
from civiclab.indicators.spec import parse_spec
from tests.clients import as_user, body
from tests.datasets.helpers import REAL
from tests.indicators.test_builder import fields, requests
from tests.permission_matrix import api_headers
from tests.test_i18n import visible_text
from tests.world import World

pytestmark = pytest.mark.django_db
REQUESTS = REAL / "baltimore311-2014-2018-sample/311_sample.csv"
TOP_TEN = {
    "dataset": "311",
    "measure": {"type": "count"},
    "time": {"column": "CreatedDate", "period": "quarter"},
    "breakdown": "SRRecordID",
    "breakdown_top": 10,
}


@pytest.fixture
def requests_311(world: World) -> Dataset:
    return datasets.import_file(
        None, world.city, "311", REQUESTS, REQUESTS.name, datasets.ImportOptions()
    ).dataset


def post(world: World, path: str, document: dict, language: str = "en") -> Any:
    return Client().post(
        f"/api/v1/cities/{world.city.slug}/{path}",
        json.dumps(document),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
        **api_headers(world.user("member")),
    )


def test_top_ten_by_an_identifier_passes_the_limit_and_other_holds_the_rest(
    world: World, requests_311: Dataset
) -> None:
    """GIVEN the real Baltimore 311 sample (10,000 requests, one SRRecordID each) WHEN
    previewed per quarter by SRRecordID with breakdown_top 10 THEN it is computed (no 422):
    eleven groups, the ten kept being the ten smallest ids (every id has one row: ties go by
    value), and Other's count is, quarter by quarter and in all, the total less theirs."""
    answer = post(world, "indicators/evaluate", {"spec": TOP_TEN})
    assert answer.status_code == 200, answer.content
    series = answer.json()
    points = series["breakdown"]
    groups = {(p["group"], p["other"]) for p in points}
    raw = pd.read_csv(REQUESTS, dtype=str)
    ids = raw.loc[raw["CreatedDate"].notna(), "SRRecordID"]
    assert ids.is_unique
    kept = sorted(ids.dropna())[:10]
    assert groups == {*((i, False) for i in kept), (None, True)}
    overall = {p["period"]: p["value"] for p in series["overall"]}
    for period, total in overall.items():
        cells = [p for p in points if p["period"] == period]
        other = next(p for p in cells if p["other"])
        assert other["value"] == total - sum(p["value"] for p in cells if not p["other"])
    assert sum(p["value"] for p in points if p["other"]) == len(ids) - 10


def test_saved_with_breakdown_top_and_served_with_other(
    world: World, requests_311: Dataset
) -> None:
    spec = {k: v for k, v in TOP_TEN.items() if k != "dataset"}
    made = post(world, "indicators", {"name": "Per record", "dataset": "311", "spec": spec})
    assert made.status_code == 201, made.content
    assert made.json()["spec"]["breakdown_top"] == 10
    series = (
        Client()
        .get(
            f"/api/v1/cities/{world.city.slug}/indicators/per-record/series",
            **api_headers(world.user("member")),
        )
        .json()
    )
    assert len({(p["group"], p["other"]) for p in series["breakdown"]}) == 11
    page = body(as_user(world.user("member")).get(
        f"/cities/{world.city.slug}/indicators/per-record/"
    ))  # fmt: skip
    assert "Other (the smaller groups)" in page


def test_too_many_groups_suggest_breakdown_top_in_both_languages(
    world: World, requests_311: Dataset
) -> None:
    spec = {k: v for k, v in TOP_TEN.items() if k != "breakdown_top"}
    (detail,) = post(world, "indicators/evaluate", {"spec": spec}).json()["error"]["details"]
    assert detail["field"] == "breakdown"
    assert "breakdown_top" in detail["message"] and "Keep the largest groups" in detail["message"]
    french = post(world, "indicators/evaluate", {"spec": spec}, "fr").json()
    message = french["error"]["details"][0]["message"]
    assert "breakdown_top" in message and "Garder les plus grands groupes" in message


def test_a_breakdown_top_the_limit_cannot_hold_is_refused_on_its_field(
    world: World, requests_311: Dataset
) -> None:
    answer = post(world, "indicators/evaluate", {"spec": {**TOP_TEN, "breakdown_top": 2000}})
    assert answer.status_code == 422
    (detail,) = answer.json()["error"]["details"]
    assert detail["field"] == "breakdown_top" and "at most 1,999" in detail["message"]
    alone = {k: v for k, v in TOP_TEN.items() if k != "breakdown"}
    refused = post(world, "indicators/evaluate", {"spec": alone}, "fr")
    assert refused.status_code == 422
    assert "breakdown_top a besoin d’une ventilation" in str(refused.json())


def test_the_command_line_honours_breakdown_top(
    world: World, requests_311: Dataset, tmp_path: Path
) -> None:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(TOP_TEN))
    out = StringIO()
    call_command("indicator", "eval", str(path), "--city", world.city.slug, "--json", stdout=out)
    points = json.loads(out.getvalue())
    points = points.get("result", points) if isinstance(points, dict) else points
    assert len({(p["group"], p.get("other", False)) for p in points}) == 11
    text = StringIO()
    call_command("indicator", "eval", str(path), "--city", world.city.slug, stdout=text)
    assert "(other groups)" in text.getvalue()


def test_the_builder_saves_and_reads_back_breakdown_top(world: World, tmp_path: Path) -> None:
    """GIVEN the builder's requests WHEN saved by area keeping the largest group THEN the spec
    has breakdown_top 1, the edit form shows it, and the preview lists the kept group and
    Other (in French: « Autres »), with the field's label and help in French."""
    requests(world, tmp_path)
    client = as_user(world.user("member"))
    response = client.post(
        "/cities/city-a/indicators/new/", fields(breakdown="kind", breakdown_top="1")
    )
    assert response.status_code == 302, body(response)
    indicator = Indicator.objects.get()
    assert parse_spec(indicator.spec).breakdown_top == 1
    edit = body(client.get(f"/cities/city-a/indicators/{indicator.slug}/edit/"))
    assert 'name="breakdown_top"' in edit and 'value="1"' in edit
    preview = body(client.post("/cities/city-a/indicators/new/preview/",
                               fields(breakdown="area", breakdown_top="1")))  # fmt: skip
    assert "Other (the smaller groups)" in preview
    world.city.default_language = "fr"
    world.city.save()
    client = as_user(world.user("member"))
    french = visible_text(body(client.get("/cities/city-a/indicators/new/")))
    assert "Garder les plus grands groupes" in french and "«\xa0Autres\xa0»" in french
    preview = visible_text(body(client.post(
        "/cities/city-a/indicators/new/preview/", fields(breakdown="area", breakdown_top="1")
    )))  # fmt: skip
    assert "Autres (les plus petits groupes)" in preview
