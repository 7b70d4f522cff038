"""The base map: OpenStreetMap's tiles or another server only when the operator turns them on
(off by default, so nothing is fetched from outside), the Content-Security-Policy admitting
exactly that tile host; and, offline, the city's outline and the datasets it marks as base
layers drawn under the data — chosen by city admins in the UI, checked, audited, and drawn
only for people who may see them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings

from civiclab.audit.models import AuditEvent
from civiclab.config import OPENSTREETMAP_ATTRIBUTION, OPENSTREETMAP_TILES, ConfigError, map_tiles
from civiclab.core.csp import build_policy
from civiclab.core.permissions import Visibility
from civiclab.datasets import services as datasets
from civiclab.datasets.models import Dataset
from civiclab.geo.models import BaseLayer, Boundary
from civiclab.geo.services import attach_boundary, mark_base_layer, unmark_base_layer
from tests.clients import as_user, body
from tests.datasets.web_helpers import page_of
from tests.geo.test_map_web import PARCELS, sightings
from tests.world import World

OSM = {"CIVICLAB_MAP_TILE_URL": "openstreetmap"}


def tiles_with(monkeypatch: pytest.MonkeyPatch, **env: str) -> Any:
    for name in ("CIVICLAB_MAP_TILE_URL", "CIVICLAB_MAP_TILE_ATTRIBUTION",
                 "CIVICLAB_MAP_TILE_MAX_ZOOM"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return map_tiles()


# --- The setting ------------------------------------------------------------------------------


def test_tiles_are_off_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN no setting, an empty one, or "off" THEN there is no tile server."""
    assert tiles_with(monkeypatch).url == ""
    for off in ("", "off", "OFF", "none"):
        assert tiles_with(monkeypatch, CIVICLAB_MAP_TILE_URL=off).url == ""


def test_openstreetmap_comes_with_its_credit_and_zoom(monkeypatch: pytest.MonkeyPatch) -> None:
    tiles = tiles_with(monkeypatch, **OSM)
    assert tiles.url == OPENSTREETMAP_TILES == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert tiles.attribution == OPENSTREETMAP_ATTRIBUTION
    assert 'href="https://www.openstreetmap.org/copyright"' in tiles.attribution
    assert "© " in tiles.attribution and "OpenStreetMap contributors" in tiles.attribution
    assert tiles.max_zoom == 19


def test_a_tile_server_needs_a_template_and_a_credit(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="ATTRIBUTION is empty"):
        tiles_with(monkeypatch, CIVICLAB_MAP_TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png")
    with pytest.raises(ConfigError, match="not a tile URL template"):
        tiles_with(monkeypatch, CIVICLAB_MAP_TILE_URL="tiles.example.org")
    with pytest.raises(ConfigError, match="at most 22"):
        tiles_with(monkeypatch, **OSM, CIVICLAB_MAP_TILE_MAX_ZOOM="30")
    own = tiles_with(
        monkeypatch,
        CIVICLAB_MAP_TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png",
        CIVICLAB_MAP_TILE_ATTRIBUTION="© City of Example",
        CIVICLAB_MAP_TILE_MAX_ZOOM="18",
    )
    assert (own.url, own.attribution, own.max_zoom) == (
        "https://tiles.example.org/{z}/{x}/{y}.png", "© City of Example", 18)  # fmt: skip


def image_sources(policy: str) -> list[str]:
    directive = next(d for d in policy.split("; ") if d.startswith("img-src "))
    return directive.split()[1:]


def test_csp_admits_exactly_the_tile_host() -> None:
    assert image_sources(build_policy("")) == ["'self'", "data:"]
    assert image_sources(build_policy(OPENSTREETMAP_TILES)) == [
        "'self'", "data:", "https://tile.openstreetmap.org"]  # fmt: skip
    assert image_sources(build_policy("https://{s}.tiles.example.org/{z}/{x}/{y}.png")) == [
        "'self'", "data:", "https://*.tiles.example.org"]  # fmt: skip


@pytest.mark.django_db
@override_settings(MAP_TILE_URL=OPENSTREETMAP_TILES, MAP_TILE_ATTRIBUTION=OPENSTREETMAP_ATTRIBUTION)
def test_with_openstreetmap_the_page_and_policy_name_its_host(world: World, tmp_path: Path) -> None:
    """GIVEN OpenStreetMap's tiles WHEN a member opens a map (a fresh client: the middleware
    reads the setting) THEN the map element carries the template, the linked credit and the
    zoom, and images may come from tile.openstreetmap.org and nowhere else outside."""
    dataset = sightings(world, tmp_path)
    client = Client()
    client.force_login(world.user("member"))
    response = client.get(f"{page_of(dataset)}map/")
    page = body(response)
    assert f'data-tiles="{OPENSTREETMAP_TILES}"' in page
    assert 'data-attribution="© &lt;a href=&quot;https://www.openstreetmap.org/copyright' in page
    assert 'data-max-zoom="19"' in page
    assert image_sources(response["Content-Security-Policy"]) == [
        "'self'", "data:", "https://tile.openstreetmap.org"]  # fmt: skip


@pytest.mark.django_db
@override_settings(MAP_TILE_URL="", MAP_TILE_ATTRIBUTION="")
def test_off_nothing_outside_is_named(world: World, tmp_path: Path) -> None:
    """GIVEN no tile server THEN the map page names no outside address for the map to fetch,
    and the policy lets images come from the server only."""
    dataset = sightings(world, tmp_path)
    client = Client()
    client.force_login(world.user("member"))
    response = client.get(f"{page_of(dataset)}map/")
    page = body(response)
    assert 'data-tiles=""' in page
    assert image_sources(response["Content-Security-Policy"]) == ["'self'", "data:"]
    map_element = page.split('<div id="map"')[1].split("</div>")[0]
    assert "http" not in map_element


# --- Base layers and boundaries, chosen in the UI ---------------------------------------------


def parcels(world: World, visibility: str = Visibility.CITY) -> Dataset:
    """Syracuse's real downtown parcels (tests/data/real), imported into city A."""
    dataset = datasets.import_file(
        None, world.city, "Parcels", PARCELS, PARCELS.name, datasets.ImportOptions()
    ).dataset
    Dataset.objects.filter(pk=dataset.pk).update(
        visibility=visibility, team=world.team if visibility == Visibility.TEAM else None
    )
    return Dataset.objects.select_related("city", "current_version").get(pk=dataset.pk)


def map_layers_json(page: str) -> Any:
    return json.loads(page.split('id="map-layers" type="application/json">')[1].split("</")[0])


@pytest.mark.django_db
def test_city_admins_mark_base_layers_through_the_service(world: World, tmp_path: Path) -> None:
    """GIVEN the parcels WHEN a member tries to mark them THEN refused; a city admin marks and
    unmarks them, each audited; a dataset without shapes is refused with a reason."""
    shapes = parcels(world)
    with pytest.raises(PermissionDenied):
        mark_base_layer(world.user("member"), shapes)
    assert not BaseLayer.objects.exists()
    admin = world.user("city_admin")
    layer = mark_base_layer(admin, shapes)
    assert layer.city == world.city and layer.dataset == shapes
    mark_base_layer(admin, shapes)  # twice: one layer, one event
    assert BaseLayer.objects.count() == 1
    marked = AuditEvent.objects.get(action="baselayer.mark")
    assert marked.actor == admin and marked.city == world.city
    with pytest.raises(ValidationError, match="no geometry column"):
        mark_base_layer(admin, sightings(world, tmp_path))
    unmark_base_layer(admin, shapes)
    assert not BaseLayer.objects.exists()
    assert AuditEvent.objects.filter(action="baselayer.unmark", actor=admin).count() == 1


@pytest.mark.django_db
def test_layers_page_attaches_and_detaches_boundaries(world: World) -> None:
    """GIVEN the parcels WHEN a city admin attaches them as boundaries named by "nhood" on the
    map layers page, then detaches them THEN each is done and audited; a member sees the list
    without forms and is refused if they post; a bad column is a 400 with its reason."""
    shapes = parcels(world)
    url = "/cities/city-a/geo/layers/"
    member = as_user(world.user("member"))
    page = body(member.get(url))
    assert "Parcels" in page and 'value="attach"' not in page
    refused = member.post(url, {"action": "attach", "dataset": "parcels", "label_column": "nhood"})
    assert refused.status_code == 403
    assert not Boundary.objects.exists()

    admin = as_user(world.user("city_admin"))
    assert 'value="attach"' in body(admin.get(url))
    bad = admin.post(url, {"action": "attach", "dataset": "parcels", "label_column": "nope"})
    assert bad.status_code == 400 and "has no column" in body(bad)
    done = admin.post(url, {"action": "attach", "dataset": "parcels", "label_column": "nhood"})
    assert done.status_code == 302
    boundary = Boundary.objects.get()
    assert (boundary.dataset, boundary.label_column) == (shapes, "nhood")
    assert AuditEvent.objects.filter(action="boundary.attach", actor=world.user("city_admin"))
    assert admin.post(url, {"action": "mark", "dataset": "parcels"}).status_code == 302
    assert BaseLayer.objects.filter(dataset=shapes).exists()
    assert admin.post(url, {"action": "detach", "dataset": "parcels"}).status_code == 302
    assert not Boundary.objects.exists()
    assert AuditEvent.objects.filter(action="boundary.detach").count() == 1
    unknown = admin.post(url, {"action": "explode", "dataset": "parcels"})
    assert unknown.status_code == 400


@pytest.mark.django_db
def test_a_private_base_layer_is_drawn_only_for_those_who_may_see_it(
    world: World, tmp_path: Path
) -> None:
    """GIVEN Team T's parcels marked as a base layer WHEN the team's member and another member
    of the city open a city-wide dataset's map THEN only the team member's page draws them, and
    the other never sees their name on the map layers page either."""
    shapes = parcels(world, Visibility.TEAM)
    mark_base_layer(None, shapes)
    dataset = sightings(world, tmp_path)
    url = f"{page_of(dataset)}map/"
    seen = map_layers_json(body(as_user(world.user("team_member")).get(url)))
    assert [b["name"] for b in seen["base_layers"]] == ["Parcels"]
    assert seen["base_layers"][0]["url"] == "/api/v1/cities/city-a/datasets/parcels/geojson"
    other = body(as_user(world.user("other_team_member")).get(url))
    assert map_layers_json(other)["base_layers"] == []
    assert "Parcels" not in other
    assert "Parcels" not in body(as_user(world.user("member")).get("/cities/city-a/geo/layers/"))
    refused = as_user(world.user("other_team_member")).get(
        "/api/v1/cities/city-a/datasets/parcels/geojson"
    )
    assert refused.status_code == 404


@pytest.mark.django_db
def test_a_private_boundary_is_drawn_only_for_those_who_may_see_it(
    world: World, tmp_path: Path
) -> None:
    """GIVEN Team T's parcels attached as a boundary WHEN the team's member and another member
    of the city open a city-wide dataset's map THEN only the team member's page draws them
    (the map page reads the city's datasets once and takes the boundaries from those)."""
    shapes = parcels(world, Visibility.TEAM)
    attach_boundary(None, shapes, "landuse")
    dataset = sightings(world, tmp_path)
    url = f"{page_of(dataset)}map/"
    seen = map_layers_json(body(as_user(world.user("team_member")).get(url)))
    assert [b["name"] for b in seen["boundaries"]] == ["Parcels"]
    other = body(as_user(world.user("other_team_member")).get(url))
    assert map_layers_json(other)["boundaries"] == []
    assert "Parcels" not in other


@pytest.mark.django_db
def test_map_page_is_laid_out_map_first(world: World, tmp_path: Path) -> None:
    """The map and a side panel holding the filters and layers, with the drawer's button, and
    the link to the city's map layers."""
    dataset = sightings(world, tmp_path)
    page = body(as_user(world.user("member")).get(f"{page_of(dataset)}map/"))
    panel = page.split('id="map-panel"')[1].split('class="map-stage"')[0]
    assert 'class="map-form"' in panel and 'id="map-status"' in panel
    assert 'id="map-drawer-toggle" aria-controls="map-panel" aria-expanded="false"' in page
    assert 'href="/cities/city-a/geo/layers/"' in panel
    assert "geo/map.css" in page and "geo/map_panel.js" in page
