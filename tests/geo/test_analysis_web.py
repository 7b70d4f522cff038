"""Spatial analysis in the browser: the proximity page (the CLI's and the API's numbers, saving
needs the right to import), the choropleth of an indicator by area, and the map page's
boundaries, H3 density and hotspot layers — each scoped like the data it shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.test import Client

from civiclab.datasets import services as datasets
from civiclab.datasets.models import Dataset
from civiclab.geo.services import attach_boundary, hotspot_report
from civiclab.geo.spatial.hexagons import resolution_for_zoom
from civiclab.indicators.services import create_indicator
from tests.clients import as_user, body
from tests.datasets.helpers import write
from tests.permission_matrix import api_headers
from tests.world import World

pytestmark = pytest.mark.django_db

CENTRE = (-88.10, 30.69)  # lon, lat


def sightings_csv(path: Path) -> Path:
    """150 sightings packed near the centre, 150 spread over ~6 km, 3 without a location;
    an Area column (North/South of the centre) and a date for a monthly indicator."""
    rng = np.random.default_rng(6)
    lon = np.concatenate([CENTRE[0] + rng.normal(0, 0.0008, 150),
                          CENTRE[0] + rng.uniform(-0.03, 0.03, 150)])  # fmt: skip
    lat = np.concatenate([CENTRE[1] + rng.normal(0, 0.0008, 150),
                          CENTRE[1] + rng.uniform(-0.03, 0.03, 150)])  # fmt: skip
    lines = ["id,Area,Opened,Latitude,Longitude"]
    for i, (x, y) in enumerate(zip(lon, lat, strict=True)):
        area = "North" if y >= CENTRE[1] else "South"
        lines.append(f"{i},{area},2024-0{1 + i % 3}-15,{y:.6f},{x:.6f}")
    lines += [f"{300 + i},North,2024-03-15,," for i in range(3)]
    return write(path, "\n".join(lines) + "\n")


def areas_geojson(path: Path) -> Path:
    def box(name: str, south: float, north: float) -> dict[str, Any]:
        w, e = CENTRE[0] - 0.05, CENTRE[0] + 0.05
        ring = [[w, south], [e, south], [e, north], [w, north], [w, south]]
        return {"type": "Feature", "properties": {"Name": name},
                "geometry": {"type": "Polygon", "coordinates": [ring]}}  # fmt: skip

    features = [
        box("North", CENTRE[1], CENTRE[1] + 0.05),
        box("South", CENTRE[1] - 0.05, CENTRE[1]),
    ]
    return write(path, json.dumps({"type": "FeatureCollection", "features": features}))


@pytest.fixture
def geo_city(world: World, tmp_path: Path) -> dict[str, Dataset]:
    """City A with sightings, one site at the centre, and its areas attached as a boundary."""
    city = world.city
    found = {}
    for name, path in (
        ("Sightings", sightings_csv(tmp_path / "sightings.csv")),
        ("Sites", write(tmp_path / "sites.csv", f"site,lat,lon\nDepot,{CENTRE[1]},{CENTRE[0]}\n")),
        ("Areas", areas_geojson(tmp_path / "areas.geojson")),
    ):
        found[name] = datasets.import_file(
            None, city, name, path, path.name, datasets.ImportOptions()
        ).dataset
    attach_boundary(None, found["Areas"], "Name")
    return found


def propose(client: Client, **fields: Any) -> Any:
    data = {"origin": "sightings", "near": "sites", "distance": "300", "unit": "ft",
            "save_as": "", **fields}  # fmt: skip
    return client.post("/cities/city-a/geo/proximity/", data)


def test_proximity_page_gives_the_cli_and_api_numbers(
    world: World, geo_city: dict[str, Dataset], capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN sightings and a site WHEN a member asks the proximity page for the sightings
    within 300 ft of the site THEN the page shows the CLI's and the API's numbers, and links
    to the sightings' map (nothing saved)."""
    member = world.user("member")
    response = propose(as_user(member))
    assert response.status_code == 200
    shown = response.context["result"]
    capsys.readouterr()
    call_command("geo", "proximity", "--city", "city-a", "--from", "sightings", "--near",
                 "sites", "--distance", "300ft", "--json")  # fmt: skip
    from_cli = json.loads(capsys.readouterr().out)
    from_api = (
        Client()
        .post(
            "/api/v1/cities/city-a/geo/proximity",
            json.dumps({"from": "sightings", "near": "sites", "distance": "300ft"}),
            content_type="application/json",
            **api_headers(member),
        )
        .json()
    )
    assert shown == from_cli == {k: v for k, v in from_api.items() if k != "saved"}
    assert 40 < shown["count"] < 150 and shown["total"] == 300
    page = body(response)
    assert f'data-field="count">{shown["count"]}<' in page
    assert 'data-field="from_without_location">3<' in page
    assert "/cities/city-a/data/sightings/map/" in page
    assert not Dataset.objects.filter(slug="near-the-depot").exists()


def test_proximity_saved_by_a_member_and_mapped(world: World, geo_city: dict[str, Dataset]) -> None:
    response = propose(as_user(world.user("member")), save_as="Near the depot")
    assert response.status_code == 200
    saved = Dataset.objects.get(city=world.city, slug="near-the-depot")
    assert saved.current_version is not None
    assert saved.current_version.rows == response.context["result"]["count"]
    assert response.context["result"]["saved"] == {"dataset": "near-the-depot", "version": 1}
    assert "/cities/city-a/data/near-the-depot/map/" in body(response)


def test_a_viewer_may_count_but_not_save(world: World, geo_city: dict[str, Dataset]) -> None:
    """GIVEN a viewer of city A WHEN they ask to save the matching rows THEN the rows are
    counted, the page says why nothing was saved (403, not a 500), and no dataset is made."""
    response = propose(as_user(world.user("viewer")), save_as="Near the depot")
    assert response.status_code == 403
    page = body(response)
    assert 'id="save-error"' in page and "right to import" in page
    assert response.context["result"]["count"] > 0
    assert not Dataset.objects.filter(slug="near-the-depot").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"distance": "0"}, "distance"),
        ({"distance": "far"}, "distance"),
        ({"unit": "parsec"}, "unit"),
        ({"origin": "no-such-data"}, "origin"),
        ({"near": "areas-of-b"}, "near"),
    ],
)
def test_proximity_bad_input_is_a_field_error(
    world: World, geo_city: dict[str, Dataset], fields: dict[str, str], field: str
) -> None:
    response = propose(as_user(world.user("member")), **fields)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'id="id_{field}_error"' in body(response)
    assert response.context["result"] is None


def test_proximity_page_is_scoped(world: World, geo_city: dict[str, Dataset]) -> None:
    """Another network's admin cannot see city A at all (404); another city's admin sees none
    of A's city-only datasets among the choices, and cannot ask about them."""
    assert (
        as_user(world.user("other_network_admin")).get("/cities/city-a/geo/proximity/").status_code
        == 404
    )
    other = as_user(world.user("other_city_admin"))
    page = other.get("/cities/city-a/geo/proximity/")
    if page.status_code == 200:
        assert 'value="sightings"' not in body(page)
    assert "origin" in propose(other).context["form"].errors
    member_page = body(
        as_user(world.user("member")).get("/cities/city-a/geo/proximity/?from=sightings")
    )
    assert '<option value="sightings" selected>' in member_page


def make_indicator(dataset: Dataset, breakdown: str | None = "Area") -> Any:
    spec: dict[str, Any] = {
        "dataset": dataset.slug,
        "measure": {"type": "count"},
        "time": {"column": "Opened", "period": "month"},
    }
    if breakdown:
        spec["breakdown"] = breakdown
    return create_indicator(None, dataset, f"Sightings by {breakdown}", spec)


def test_choropleth_of_an_indicator_by_area(world: World, geo_city: dict[str, Dataset]) -> None:
    """GIVEN an indicator of sightings by Area and the Areas boundary named by Name WHEN a
    member opens its choropleth THEN the latest month's value per area is in the table and in
    the map's data, with a legend, and the indicator's page links to it."""
    indicator = make_indicator(geo_city["Sightings"])
    url = f"/cities/city-a/geo/choropleth/{indicator.slug}/"
    client = as_user(world.user("member"))
    response = client.get(url)
    assert response.status_code == 200
    page = body(response)
    assert response.context["period"] == "2024-03"
    areas = {a["label"]: a for a in response.context["areas"]}
    assert set(areas) == {"North", "South"}
    assert sum(a["n"] for a in areas.values()) == 100 + 3  # every third row is in March
    layer = json.loads(
        page.split('id="choropleth-data" type="application/json">')[1].split("</")[0]
    )
    assert layer["url"] == "/api/v1/cities/city-a/datasets/areas/geojson"
    assert layer["label"] == "Name"
    assert {k: v["value"] for k, v in layer["values"].items()} == {
        k: a["value"] for k, a in areas.items()
    }
    assert 'id="choropleth-values"' in page and "choropleth-legend" in page
    assert url in body(client.get(f"/cities/city-a/indicators/{indicator.slug}/"))


def test_choropleth_without_a_matching_boundary_or_breakdown(
    world: World, geo_city: dict[str, Dataset]
) -> None:
    client = as_user(world.user("member"))
    by_id = make_indicator(geo_city["Sightings"], breakdown="id")
    page = body(client.get(f"/cities/city-a/geo/choropleth/{by_id.slug}/"))
    assert 'id="no-boundary"' in page and 'id="choropleth"' not in page
    overall = make_indicator(geo_city["Sightings"], breakdown=None)
    page = body(client.get(f"/cities/city-a/geo/choropleth/{overall.slug}/"))
    assert "not broken down by one column" in page


def test_choropleth_is_404_for_outsiders(world: World, geo_city: dict[str, Dataset]) -> None:
    indicator = make_indicator(geo_city["Sightings"])
    url = f"/cities/city-a/geo/choropleth/{indicator.slug}/"
    for actor in ("other_city_admin", "other_network_admin", "anonymous"):
        assert as_user(world.user(actor)).get(url).status_code == 404, actor
    assert (
        as_user(world.user("viewer")).get("/cities/city-a/geo/choropleth/nope/").status_code == 404
    )


def test_map_page_draws_boundaries_and_asks_for_layers(
    world: World, geo_city: dict[str, Dataset]
) -> None:
    """GIVEN the Areas attached as a boundary WHEN the sightings' map opens THEN the boundary
    is among the layers drawn underneath; with hexagons on, the density layer's URL is there;
    with hotspots on, the table lists the hotspot report's hot cells."""
    client = as_user(world.user("member"))
    url = "/cities/city-a/data/sightings/map/"

    def layers(page: str) -> Any:
        return json.loads(page.split('id="map-layers" type="application/json">')[1].split("</")[0])

    page = body(client.get(url))
    data = layers(page)
    assert data["boundaries"] == [
        {"name": "Areas", "label": "Name", "url": "/api/v1/cities/city-a/datasets/areas/geojson"}
    ]
    assert data["hexagons"] == "" and data["hotspots"] is None
    assert "/cities/city-a/geo/proximity/?from=sightings" in page
    assert "geo/map_layers.js" in page
    data = layers(body(client.get(f"{url}?hexagons=on")))
    assert data["hexagons"] == "/api/v1/cities/city-a/datasets/sightings/hexagons"
    response = client.get(f"{url}?hotspots=on&resolution=9&fdr=0.05")
    page = body(response)
    expected = hotspot_report(geo_city["Sightings"], 9, 0.05)
    hot = [s["cell"] for s in expected["hotspots"] if s["kind"] == "hot"]
    assert hot, "the packed sightings make a hot spot"
    assert all(f"<code>{cell}</code>" in page for cell in hot)
    assert 'id="hotspots-table"' in page and "Getis–Ord Gi*" in page
    drawn = layers(page)["hotspots"]
    assert len(drawn["features"]) == len(expected["hotspots"])
    assert drawn["features"][0]["geometry"]["type"] == "Polygon"
    # Bad layer choices fall back to the defaults rather than failing.
    assert client.get(f"{url}?hotspots=on&resolution=99").status_code == 200
    # The boundary's own map does not draw itself underneath.
    assert layers(body(client.get("/cities/city-a/data/areas/map/")))["boundaries"] == []


def test_hexagon_api_counts_every_located_row(world: World, geo_city: dict[str, Dataset]) -> None:
    viewer = world.user("viewer")
    base = "/api/v1/cities/city-a/datasets/sightings/hexagons"
    data = Client().get(f"{base}?zoom=12", **api_headers(viewer)).json()
    summary = data["summary"]
    assert summary["resolution"] == 8
    assert summary["rows"] == sum(f["properties"]["count"] for f in data["features"]) == 300
    assert summary["without_location"] == 3
    assert summary["breaks"][-1] == max(f["properties"]["count"] for f in data["features"])
    ring = data["features"][0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 7
    boxed = Client().get(f"{base}?resolution=10&bbox=-88.102,30.688,-88.098,30.692",
                         **api_headers(viewer)).json()  # fmt: skip
    assert 0 < boxed["summary"]["in_view"] < boxed["summary"]["cells"]
    outsider = Client().get(base, **api_headers(world.user("other_city_admin")))
    assert outsider.status_code == 404
    no_location = Client().get(
        "/api/v1/cities/city-a/datasets/sites/hexagons?resolution=99", **api_headers(viewer)
    )
    assert no_location.status_code == 422


def test_resolution_for_zoom() -> None:
    assert [resolution_for_zoom(z) for z in (None, 3, 11, 12, 13, 14, 18)] == [
        8,
        7,
        7,
        8,
        9,
        10,
        10,
    ]


def test_analysis_pages_in_french(world: World, geo_city: dict[str, Dataset]) -> None:
    client = as_user(world.user("member"))
    client.cookies["django_language"] = "fr"
    page = body(client.get("/cities/city-a/geo/proximity/"))
    assert "Compter" in page
    page = body(client.get("/cities/city-a/data/sightings/map/?hotspots=on"))
    assert "Points chauds et froids" in page


def test_rows_saved_from_network_data_stay_in_the_city(
    world: World, geo_city: dict[str, Dataset]
) -> None:
    """GIVEN sightings shared with the network WHEN a member (who may not publish) saves the
    matching rows THEN they are saved, visible to the city only; a network admin's keep the
    sightings' visibility."""
    Dataset.objects.filter(pk=geo_city["Sightings"].pk).update(visibility="network")
    assert propose(as_user(world.user("member")), save_as="Near").status_code == 200
    assert Dataset.objects.get(slug="near").visibility == "city"
    # A network admin's keep it only if both sources are network-wide (derived rows are never
    # wider than their narrowest source).
    propose(as_user(world.user("network_admin")), save_as="Near, capped")
    assert Dataset.objects.get(slug="near-capped").visibility == "city"
    Dataset.objects.filter(pk=geo_city["Sites"].pk).update(visibility="network")
    propose(as_user(world.user("network_admin")), save_as="Near, shared")
    assert Dataset.objects.get(slug="near-shared").visibility == "network"


def test_a_distance_needs_its_unit_on_the_page_and_in_the_api(
    world: World, geo_city: dict[str, Dataset]
) -> None:
    """GIVEN the proximity page and API WHEN the distance comes without a unit THEN each
    refuses it with the accepted units, rather than reading metres (issue 10, item 27)."""
    member = world.user("member")
    response = propose(as_user(member), unit="")
    assert "unit" in response.context["form"].errors and response.context["result"] is None
    assert "feet, metres, yards, kilometres or miles" in body(response)
    answer = Client().post(
        "/api/v1/cities/city-a/geo/proximity",
        json.dumps({"from": "sightings", "near": "sites", "distance": "300"}),
        content_type="application/json",
        **api_headers(member),
    )
    assert answer.status_code == 422
    assert "has no unit: write it with one of m, km, ft, mi, yd" in str(answer.json())
