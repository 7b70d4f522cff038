"""The indicators REST API: writes through the services, results, preview and who sees what."""

from __future__ import annotations

import datetime as dt
import io
import json
from itertools import count
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from civiclab.core.permissions import Visibility
from civiclab.datasets import services as datasets
from civiclab.datasets.models import Dataset
from civiclab.indicators import services
from civiclab.indicators.models import Indicator
from civiclab.indicators.queries import visible_indicators
from tests.datasets.helpers import REAL
from tests.permission_matrix import api_headers, check_permission_matrix
from tests.world import World

pytestmark = pytest.mark.django_db

NYC = REAL / "nyc311-2018-socrata-1k/311_Service_Requests.csv"
BASE = "/api/v1/cities/city-a/indicators"
NOISE = {
    "measure": {"type": "duration", "start": "Created Date", "end": "Closed Date",
                "stat": "median", "unit": "hours"},
    "time": {"column": "Created Date", "period": "day"},
    "breakdown": "Borough",
}  # fmt: skip
REQUESTS = {
    "measure": {"type": "count"},
    "time": {"column": "Created Date", "period": "day"},
    "equity": "Borough",
}


def call(method: str, url: str, user: Any = None, body: Any = None):
    client = Client()
    if body is not None:
        return getattr(client, method)(
            url, json.dumps(body), content_type="application/json", **api_headers(user)
        )
    return getattr(client, method)(url, **api_headers(user))


@pytest.fixture
def nyc(world: World) -> Dataset:
    return datasets.import_file(
        None, world.city, "311", NYC, NYC.name, datasets.ImportOptions(visibility="public")
    ).dataset


def make(world: World, dataset: Dataset, name: str, spec: dict, **fields: Any) -> Indicator:
    return services.create_indicator(world.user("city_admin"), dataset, name, spec, **fields)


def test_create_valid_invalid_and_refused(world: World, nyc: Dataset) -> None:
    body = {"name": "Noise hours", "dataset": "311", "spec": NOISE, "description": "d",
            "target_value": 1.0, "target_date": "2030-01-01"}  # fmt: skip
    response = call("post", BASE, world.user("member"), body)
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["slug"] == "noise-hours" and made["dataset"] == "311"
    assert made["spec"]["breakdown"] == "Borough" and made["target_date"] == "2030-01-01"
    assert response["Location"] == f"{BASE}/noise-hours"

    bad = {**body, "name": "Bad", "spec": {"measure": {"type": "sum", "column": "Nope"}}}
    response = call("post", BASE, world.user("member"), bad)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert {"field": "spec", "message": "measure.column: the dataset has no column 'Nope'"} in (
        error["details"]
    )
    assert call("post", BASE, world.user("viewer"), {**body, "name": "V"}).status_code == 403
    assert call("post", BASE, None, {**body, "name": "A"}).status_code == 401
    missing = {**body, "name": "M", "dataset": "nope"}
    assert call("post", BASE, world.user("member"), missing).status_code == 404
    duplicate = call("post", BASE, world.user("member"), body)
    assert duplicate.status_code == 422
    assert Indicator.objects.count() == 1


def test_detail_list_patch_and_delete(world: World, nyc: Dataset) -> None:
    indicator = make(world, nyc, "Requests", REQUESTS, visibility="public")
    url = f"{BASE}/{indicator.slug}"
    detail = call("get", url).json()  # anonymous: the indicator is public
    assert detail["spec"]["measure"] == {"type": "count"} and detail["visibility"] == "public"
    listed = call("get", "/api/v1/indicators?city=city-a").json()
    assert listed["count"] == 1 and listed["items"][0]["slug"] == "requests"
    assert call("get", "/api/v1/indicators?city=city-b").json()["count"] == 0

    response = call("patch", url, world.user("member"), {"description": "new", "target_value": 5})
    assert response.status_code == 200 and response.json()["description"] == "new"
    assert response.json()["target_value"] == 5
    bad = call("patch", url, world.user("member"), {"spec": {"measure": {"type": "nope"}}})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "spec"
    assert call("patch", url, world.user("viewer"), {"description": "x"}).status_code == 403
    viewer_bad = call("patch", url, world.user("viewer"), {"spec": {"measure": {"type": "x"}}})
    assert viewer_bad.status_code == 403

    assert call("delete", url, world.user("member")).status_code == 403
    assert call("delete", url, world.user("city_admin")).status_code == 204
    assert not Indicator.objects.exists()
    assert call("get", url).status_code == 404


def test_series_signals_goal_and_equity_shapes(world: World, nyc: Dataset) -> None:
    indicator = make(
        world, nyc, "Requests", REQUESTS, target_value=1.0, target_date=dt.date(2030, 1, 1)
    )
    url = f"{BASE}/{indicator.slug}"
    user = world.user("viewer")
    series = call("get", f"{url}/series", user).json()
    assert set(series) >= {"overall", "breakdown", "equity"}
    assert series["overall"] and series["breakdown"] == [] and series["equity"]
    assert set(series["overall"][0]) >= {"period", "value", "n"}
    assert set(series["equity"][0]) >= {"period", "group", "value", "n"}
    assert sum(p["n"] for p in series["overall"]) == 1000

    signals = call("get", f"{url}/signals", user).json()
    assert signals["median"] is not None and signals["runs"] >= 1
    assert set(signals["xmr"]) >= {"centre", "upper", "lower"}
    periods = {p["period"] for p in series["overall"]}
    for signal in signals["signals"]:
        assert set(signal) == {"rule", "points", "description"}
        assert set(signal["points"]) <= periods

    goal = call("get", f"{url}/goal", user).json()
    assert goal["target"] == 1.0 and goal["target_date"] == "2030-01-01"
    assert goal["baseline"] == series["overall"][0]["value"]
    assert goal["latest"] is not None
    assert goal["status"] in {"on_track", "at_risk", "off_track", "met", "unknown"}
    assert "least-squares" in goal["method"]
    assert set(goal) >= {"progress_percent", "projected"}

    equity = call("get", f"{url}/equity", user).json()
    assert isinstance(equity["widening_while_improving"], bool)
    assert equity["gaps"] and set(equity["gaps"][0]) >= {"period", "best_group", "worst_group",
                                                         "difference"}  # fmt: skip

    plain = make(world, nyc, "Plain", {"measure": {"type": "count"}})
    empty = call("get", f"{BASE}/{plain.slug}/equity", user).json()
    assert empty["gaps"] == [] and empty["widening_while_improving"] is False


def test_evaluate_previews_without_saving(world: World, nyc: Dataset) -> None:
    url = f"{BASE}/evaluate"
    body = {"spec": {**NOISE, "dataset": "311"}}
    response = call("post", url, world.user("member"), body)
    assert response.status_code == 200, response.content
    series = response.json()
    assert series["overall"] and series["breakdown"] and series["equity"] == []
    assert not Indicator.objects.exists()
    assert call("post", url, world.user("viewer"), body).status_code == 403
    assert call("post", url, None, body).status_code == 401
    missing = call("post", url, world.user("member"), {"spec": {**NOISE, "dataset": "nope"}})
    assert missing.status_code == 404
    nyc.visibility = Visibility.TEAM
    nyc.team = world.team
    nyc.save()
    assert call("post", url, world.user("member"), body).status_code == 404
    bad = {"spec": {**NOISE, "dataset": "311", "breakdown": "Nope"}}
    response = call("post", url, world.user("team_member"), bad)
    assert response.status_code == 422
    assert "breakdown" in response.json()["error"]["details"][0]["message"]


def test_the_api_gives_the_numbers_of_the_command_line(
    world: World, nyc: Dataset, tmp_path
) -> None:
    spec = {**NOISE, "dataset": "311"}
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    out = io.StringIO()
    call_command("indicator", "eval", str(path), "--city", "city-a", "--json", stdout=out)
    cli = json.loads(out.getvalue())

    preview = call("post", f"{BASE}/evaluate", world.user("member"), {"spec": spec}).json()
    indicator = make(world, nyc, "Noise", NOISE)
    saved = call("get", f"{BASE}/{indicator.slug}/series", world.user("member")).json()
    for series in (preview, saved):
        got = [{"period": p["period"], "group": p["group"], "value": p["value"], "n": p["n"]}
               for p in series["breakdown"]]  # fmt: skip
        assert got == cli


def test_indicator_matrix(world: World, nyc: Dataset) -> None:
    """GIVEN an indicator of city A over a public dataset, at each visibility, WHEN each kind
    of person reaches it THEN only the people the rules name see it or change it."""
    numbers = count()

    def build(w: World, vis: Visibility) -> Indicator:
        indicator = services.create_indicator(
            None, nyc, f"matrix {next(numbers)}", {"measure": {"type": "count"}}
        )
        indicator.visibility = vis
        indicator.team = w.team if vis is Visibility.TEAM else None
        indicator.save()
        return indicator

    def url(i: Indicator) -> str:
        return f"/api/v1/cities/{i.city.slug}/indicators/{i.slug}"

    check_permission_matrix(
        world,
        build,
        queryset=visible_indicators,
        api_url=url,
        api_update=lambda i: (url(i), {"description": "x"}),
        api_delete=url,
    )


def test_an_indicator_cannot_be_named_like_a_page(world: World, nyc: Dataset) -> None:
    response = call(
        "post",
        f"/api/v1/cities/{world.city.slug}/indicators",
        world.user("member"),
        {"name": "Evaluate", "dataset": nyc.slug, "spec": {"measure": {"type": "count"}}},
    )
    assert response.status_code == 422
    assert "clash" in response.json()["error"]["details"][0]["message"]
