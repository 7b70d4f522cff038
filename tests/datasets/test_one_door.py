"""One door to city data: every DuckDB query of a city's datasets opens its connection through
``datasets.queries.open_query``, which gives it the operator's limits
(``CIVICLAB_QUERY_MEMORY_MB``, ``CIVICLAB_QUERY_TIMEOUT_SECONDS``).

The scans fail when a module opens DuckDB (or a ``CityQuery``) any other way; the callers'
tests show each feature's queries get the limits, and that a query over them is a clear
``QueryError`` on the page and in the API — not a hang, not a 500."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from civiclab.datasets import engine
from civiclab.datasets import services as datasets
from civiclab.datasets.queries import dataset_rows
from civiclab.geo import services as geo
from civiclab.geo.choropleths import column_values
from civiclab.geo.queries import boundaries_of, location_of
from civiclab.indicators import services as indicators
from tests.clients import as_user, body
from tests.datasets.helpers import write
from tests.permission_matrix import api_headers
from tests.world import World

SRC = Path(__file__).resolve().parents[2] / "src" / "civiclab"

# The modules that may open a DuckDB connection of their own, and why.
OWN_CONNECTIONS = {
    # CityQuery, the door's connection: opened only by datasets.queries.open_query.
    "datasets/engine.py",
    # An import's conversion of the uploaded file (ingest_connection), with the import's own
    # limits: CIVICLAB_IMPORT_MEMORY_MB and CIVICLAB_IMPORT_TIMEOUT_SECONDS.
    "datasets/ingest/pipeline.py",
    # A download: a whole version copied to CSV or Parquet, streamed; no query of anyone's.
    "datasets/ingest/exports.py",
}
OPENS_DUCKDB = re.compile(
    r"\bduckdb\.(connect|sql|query|execute|default_connection|read_\w+|from_\w+)\s*\("
    r"|^\s*(from duckdb import|import duckdb as)",
    re.MULTILINE,
)


def modules() -> Iterator[tuple[str, str]]:
    for path in sorted(SRC.rglob("*.py")):
        yield path.relative_to(SRC).as_posix(), path.read_text(encoding="utf-8")


def test_only_the_door_opens_duckdb() -> None:
    """GIVEN every module under src/civiclab WHEN one opens a DuckDB connection (or runs on
    DuckDB's default one) THEN it is one of the few with a reason to, and no other."""
    opening = {name for name, text in modules() if OPENS_DUCKDB.search(text)}
    assert opening == OWN_CONNECTIONS, (
        "Query city data through datasets.queries.open_query / version_query / city_query: "
        "they give every query the operator's limits."
    )


def test_only_the_door_opens_a_city_query() -> None:
    opening = {name for name, text in modules() if "CityQuery(" in text}
    assert opening == {"datasets/queries.py"}


# --- Each caller's queries have the operator's limits ------------------------------------------

CENTRE = (-88.10, 30.69)  # lon, lat


@pytest.fixture
def city_data(world: World, tmp_path: Path) -> dict[str, Any]:
    """Sightings (lat/lon, an Area, a date), a site, areas attached as a boundary, places
    located by text, and a monthly indicator by Area — data every feature can query."""
    lines = ["id,Area,Opened,Latitude,Longitude"]
    for i in range(60):
        lat, lon = CENTRE[1] + (i % 7 - 3) * 0.001, CENTRE[0] + (i % 5 - 2) * 0.001
        area = "North" if lat >= CENTRE[1] else "South"
        lines.append(f"{i},{area},2024-0{1 + i % 3}-15,{lat:.6f},{lon:.6f}")
    w, e = CENTRE[0] - 0.05, CENTRE[0] + 0.05

    def box(name: str, south: float, north: float) -> dict[str, Any]:
        ring = [[w, south], [e, south], [e, north], [w, north], [w, south]]
        return {"type": "Feature", "properties": {"Name": name},
                "geometry": {"type": "Polygon", "coordinates": [ring]}}  # fmt: skip

    areas = {"type": "FeatureCollection", "features": [
        box("North", CENTRE[1], CENTRE[1] + 0.05), box("South", CENTRE[1] - 0.05, CENTRE[1])
    ]}  # fmt: skip
    files = {
        "Sightings": write(tmp_path / "sightings.csv", "\n".join(lines) + "\n"),
        "Sites": write(tmp_path / "sites.csv", f"site,lat,lon\nDepot,{CENTRE[1]},{CENTRE[0]}\n"),
        "Areas": write(tmp_path / "areas.geojson", json.dumps(areas)),
        "Places": write(
            tmp_path / "places.csv",
            "place,where\n"
            + "".join(f'p{i},"({CENTRE[1]}, {CENTRE[0] + i / 1000})"\n' for i in range(5)),
        ),
    }
    found: dict[str, Any] = {
        name: datasets.import_file(
            None, world.city, name, path, path.name, datasets.ImportOptions()
        ).dataset
        for name, path in files.items()
    }
    geo.attach_boundary(None, found["Areas"], "Name")
    found["indicator"] = indicators.create_indicator(
        None,
        found["Sightings"],
        "Sightings by Area",
        {"dataset": "sightings", "measure": {"type": "count"},
         "time": {"column": "Opened", "period": "month"}, "breakdown": "Area"},
    )  # fmt: skip
    return found


@pytest.fixture
def opened(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, float]]:
    """The limits of every CityQuery opened, with the operator's set to telling values."""
    settings.QUERY_MEMORY_MB = 321
    settings.QUERY_TIMEOUT_SECONDS = 17
    found: list[tuple[float, float]] = []
    real = engine.CityQuery.__init__

    def spy(self: engine.CityQuery, tables: Any, **limits: Any) -> None:
        found.append((limits["memory_mb"], limits["timeout_seconds"]))
        real(self, tables, **limits)

    monkeypatch.setattr(engine.CityQuery, "__init__", spy)
    return found


def _indicator_command(data: dict[str, Any], tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(data["indicator"].spec))
    call_command("indicator", "eval", str(spec), "--city", "city-a", "--json")


def _api(path: str, world: World, body: dict[str, Any] | None = None) -> Any:
    client, headers = Client(), api_headers(world.user("member"))
    if body is None:
        return client.get(f"/api/v1/cities/city-a/{path}", **headers)
    return client.post(f"/api/v1/cities/city-a/{path}", json.dumps(body),
                       content_type="application/json", **headers)  # fmt: skip


def _page(path: str, world: World) -> Any:
    return as_user(world.user("member")).get(f"/cities/city-a/{path}")


CALLERS: dict[str, Callable[[dict[str, Any], World, Path], Any]] = {
    "indicator": lambda d, w, t: indicators.results(d["indicator"]),
    "indicator command": lambda d, w, t: _indicator_command(d, t),
    "dataset rows": lambda d, w, t: dataset_rows(d["Sightings"]),
    "map layer": lambda d, w, t: _api("datasets/sightings/geojson", w),
    "hexagons": lambda d, w, t: _api("datasets/sightings/hexagons", w),
    "proximity": lambda d, w, t: geo.proximity_between(d["Sightings"], d["Sites"], 200),
    "proximity saved": lambda d, w, t: geo.save_matches(
        None, geo.proximity_between(d["Sightings"], d["Sites"], 200), "Near"
    ),
    "areas": lambda d, w, t: geo.assign_areas_to(None, d["Sightings"], d["Areas"], "Zone"),
    "hotspots": lambda d, w, t: geo.hotspot_report(
        d["Sightings"], 9, 0.05, boundaries=boundaries_of(w.city, None)
    ),
    "choropleth": lambda d, w, t: _page(f"geo/choropleth/{d['indicator'].slug}/", w),
    "breakdown values": lambda d, w, t: column_values(d["Sightings"], "id"),
    "location text": lambda d, w, t: location_of(d["Places"]),
}


@pytest.mark.django_db
@pytest.mark.parametrize("caller", CALLERS)
def test_every_caller_queries_with_the_operators_limits(
    caller: str,
    world: World,
    city_data: dict[str, Any],
    opened: list[tuple[float, float]],
    tmp_path: Path,
) -> None:
    """GIVEN the operator's query limits WHEN a feature reads city data THEN every connection
    it opens has them."""
    opened.clear()
    CALLERS[caller](city_data, world, tmp_path)
    assert opened, f"{caller} opened no query: is it reading city data another way?"
    assert set(opened) == {(321, 17)}


# --- Over the limits: a clear error, on the page and in the API --------------------------------

OUT_OF_MEMORY = "needed more than the 0 MB of memory a query may use"


@pytest.fixture
def no_memory(settings: Any) -> None:
    """A query may use no memory: every query of city data fails, as a huge one would."""
    settings.QUERY_MEMORY_MB = 0


@pytest.mark.django_db
def test_an_indicator_over_the_limit_says_so(
    world: World, city_data: dict[str, Any], no_memory: None
) -> None:
    indicator = city_data["indicator"]
    assert OUT_OF_MEMORY in indicators.report(indicator)["error"]
    page = _page(f"indicators/{indicator.slug}/", world)
    assert page.status_code == 200 and OUT_OF_MEMORY in body(page)


@pytest.mark.django_db
def test_a_proximity_over_the_limit_says_so(
    world: World, city_data: dict[str, Any], no_memory: None
) -> None:
    answer = _api("geo/proximity", world, {"from": "sightings", "near": "sites",
                                            "distance": "200m"})  # fmt: skip
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "query_error"
    assert OUT_OF_MEMORY in answer.json()["error"]["message"]
    data = {"origin": "sightings", "near": "sites", "distance": "200", "unit": "m",
            "save_as": ""}  # fmt: skip
    page = as_user(world.user("member")).post("/cities/city-a/geo/proximity/", data)
    assert page.status_code == 200 and OUT_OF_MEMORY in body(page)


@pytest.mark.django_db
def test_a_map_analysis_over_the_limit_says_so(
    world: World, city_data: dict[str, Any], no_memory: None
) -> None:
    page = _page("data/sightings/map/?hotspots=on&resolution=9&fdr=0.05", world)
    assert page.status_code == 200 and OUT_OF_MEMORY in body(page)
    for route in ("datasets/sightings/geojson", "datasets/sightings/hexagons"):
        answer = _api(route, world)
        assert answer.status_code == 422, route
        assert OUT_OF_MEMORY in answer.json()["error"]["message"], route
    answer = _api("geo/hotspots?dataset=sightings", world)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "query_error"


def test_a_query_over_the_time_limit_is_stopped(tmp_path: Path) -> None:
    """The timeout is the engine's: a query running longer is interrupted and said so."""
    path = tmp_path / "v1.parquet"
    engine.duckdb.sql(
        f"COPY (SELECT 1 AS x, false AS __civiclab_refused) TO '{path}' (FORMAT parquet)"
    )
    tables = [engine.TableFile("d", path)]
    with (
        engine.CityQuery(tables, memory_mb=100, timeout_seconds=0.2) as query,
        pytest.raises(engine.QueryError, match=r"took longer than 0\.2 s"),
    ):
        query.execute("SELECT sum(a.range * b.range) FROM range(100000) a, range(100000) b")
