"""Spatial analysis through the API gives the CLI's numbers; datasets one may not see are
404; bad input is a 422 naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from civiclab.datasets import services as datasets
from tests.datasets.helpers import REAL, write
from tests.permission_matrix import api_headers
from tests.world import World

pytestmark = pytest.mark.django_db
REQUESTS = REAL / "baltimore311-2014-2018-sample/311_sample.csv"


def post(url: str, user, body: dict):
    return Client().post(url, json.dumps(body), content_type="application/json",
                         **api_headers(user))  # fmt: skip


def test_proximity_and_hotspots_match_the_cli(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    city = world.city
    datasets.import_file(None, city, "311", REQUESTS, REQUESTS.name,
                         datasets.ImportOptions(visibility="city"))  # fmt: skip
    sites = write(tmp_path / "sites.csv", "site,lat,lon\nCity Hall,39.2908,-76.6108\n")
    datasets.import_file(None, city, "Sites", sites, sites.name, datasets.ImportOptions())
    base = f"/api/v1/cities/{city.slug}/geo"
    body = {"from": "311", "near": "sites", "distance": "0.5km"}
    viewer = world.user("viewer")
    answer = post(f"{base}/proximity", viewer, body)
    assert answer.status_code == 200, answer.content
    capsys.readouterr()
    call_command("geo", "proximity", "--city", city.slug, "--from", "311", "--near", "sites",
                 "--distance", "0.5km", "--json")  # fmt: skip
    from_cli = json.loads(capsys.readouterr().out)
    assert answer.json() == {**from_cli, "saved": None}
    # Saving needs the right to import: a viewer may ask, not save.
    assert post(f"{base}/proximity", viewer, {**body, "save": "Near"}).status_code == 403
    saved = post(f"{base}/proximity", world.user("member"), {**body, "save": "Near"}).json()
    assert saved["saved"]["dataset"] == "near"

    hot = Client().get(f"{base}/hotspots?dataset=311&resolution=8", **api_headers(viewer))
    capsys.readouterr()
    call_command("geo", "hotspots", "--city", city.slug, "--dataset", "311",
                 "--resolution", "8", "--json")  # fmt: skip
    assert hot.json() == json.loads(capsys.readouterr().out)

    outsider = world.user("other_city_admin")
    assert post(f"{base}/proximity", outsider, body).status_code == 404
    refused = post(f"{base}/proximity", viewer, {**body, "distance": "far"})
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "distance"
    wrong = Client().get(f"{base}/hotspots?dataset=311&resolution=99", **api_headers(viewer))
    assert wrong.status_code == 422


def test_saving_when_nothing_matched_says_so(world: World, tmp_path: Path) -> None:
    """GIVEN two datasets with no row of the first within the distance of the second (one as
    shapes, so the rows would be saved as a GeoPackage) WHEN the matches are saved through the
    API, the page and the command line THEN each says that nothing matched and nothing was
    saved, instead of the file writer's "The layer has no features", and no dataset appears."""
    city = world.city
    far = write(tmp_path / "far.csv", "site,lat,lon\nFar,39.40,-76.40\n")
    datasets.import_file(None, city, "Far", far, far.name, datasets.ImportOptions())
    shapes = write(
        tmp_path / "shapes.geojson",
        json.dumps({"type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {"name": "Block"},
            "geometry": {"type": "Polygon", "coordinates": [[
                [-76.61, 39.29], [-76.60, 39.29], [-76.60, 39.30], [-76.61, 39.29]]]},
        }]}),
    )  # fmt: skip
    datasets.import_file(None, city, "Blocks", shapes, shapes.name, datasets.ImportOptions())
    body = {"from": "blocks", "near": "far", "distance": "100m", "save": "Blocks near"}
    answer = post(f"/api/v1/cities/{city.slug}/geo/proximity", world.user("member"), body)
    assert answer.status_code == 422, answer.content
    assert "nothing to save" in answer.content.decode()
    assert "no features" not in answer.content.decode()
    with pytest.raises(CommandError, match="nothing to save"):
        call_command("geo", "proximity", "--city", city.slug, "--from", "blocks", "--near",
                     "far", "--distance", "100m", "--save", "Blocks near")  # fmt: skip
    client = Client()
    client.force_login(world.user("member"))
    page = client.post(
        f"/cities/{city.slug}/geo/proximity/",
        {"origin": "blocks", "near": "far", "distance": "100", "unit": "m",
         "method": "shapes", "save_as": "Blocks near"},
    )  # fmt: skip
    assert "nothing to save" in page.content.decode()
    assert not datasets.find_dataset(city, "Blocks near")
