"""Integers the database cannot hold (≥ 2^63) in any route's path id, pagination or id filter
are a 422 that names the field, never a 500. The routes are read from the NinjaAPI itself, so
a new route is covered without editing this file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from civiclab.core.api import DB_INT_MAX, MAX_OFFSET
from civiclab.datasets import services as datasets
from civiclab.site.api import api
from tests.permission_matrix import api_headers
from tests.world import World

pytestmark = pytest.mark.django_db

TOO_BIG = [2**63, 10**30, -(2**63) - 1]


def _operations() -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(method, path, parameters) of every operation, from the live OpenAPI document."""
    document = api.get_openapi_schema(path_prefix="/api/v1/")
    return [
        (method.upper(), path, operation.get("parameters", []))
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


def _is_integer(parameter: dict[str, Any]) -> bool:
    schema = parameter["schema"]
    kinds = [schema.get("type")] + [s.get("type") for s in schema.get("anyOf", [])]
    return "integer" in kinds


def _fill(path: str, parameters: list[dict[str, Any]], value: int) -> str:
    strings = {
        "slug": "city-a",
        "dataset": "tiny",
        "indicator": "nothing",
        "kind": "solution",
        "fact": "problems",
    }
    for p in parameters:
        if p["in"] == "path":
            filler = value if _is_integer(p) else strings[p["name"]]
            path = path.replace("{" + p["name"] + "}", str(filler))
    return path


@pytest.fixture
def client(world: World, tmp_path: Path) -> Client:
    tiny = tmp_path / "tiny.csv"
    tiny.write_text("id,name\n1,a\n2,b\n", encoding="utf-8")
    datasets.import_file(None, world.city, "Tiny", tiny, tiny.name, datasets.ImportOptions())
    return Client(**api_headers(world.user("network_admin")))


def _call(client: Client, method: str, url: str, query: dict[str, Any] | None = None) -> Any:
    if method == "GET":
        return client.get(url, query or {})
    return client.generic(method, url, "{}", content_type="application/json")


def test_every_path_id_refuses_integers_beyond_the_database(client: Client) -> None:
    """GIVEN every route with an integer in its path WHEN it is called with 2^63 (and beyond)
    THEN the answer is a 422 naming that parameter."""
    failures = []
    checked = 0
    for method, path, parameters in _operations():
        ids = [p["name"] for p in parameters if p["in"] == "path" and _is_integer(p)]
        if not ids:
            continue
        for value in TOO_BIG:
            checked += 1
            response = _call(client, method, _fill(path, parameters, value))
            fields = {d.get("field") for d in _details(response)}
            if response.status_code != 422 or not set(ids) <= fields:
                failures.append((method, path, value, response.status_code, fields))
    assert checked > 50 and failures == []


def test_every_integer_query_parameter_refuses_integers_beyond_the_database(
    client: Client,
) -> None:
    """GIVEN every list route WHEN offset, limit, a page or an id filter is 2^63 (and beyond)
    THEN the answer is a 422 naming that parameter."""
    failures = []
    checked = 0
    for method, path, parameters in _operations():
        if method != "GET":
            continue
        url = _fill(path, parameters, 1)
        for p in parameters:
            if p["in"] != "query" or not _is_integer(p):
                continue
            for value in TOO_BIG:
                checked += 1
                response = _call(client, method, url, {p["name"]: value})
                fields = {d.get("field") for d in _details(response)}
                if response.status_code != 422 or p["name"] not in fields:
                    failures.append((path, p["name"], value, response.status_code, fields))
    assert checked > 60 and failures == []


def test_the_largest_accepted_values_still_answer(client: Client) -> None:
    """GIVEN the largest offset and the largest id the database holds WHEN used as an offset,
    a filter and a path id THEN the lists are empty and the object is not found."""
    for url in ("/api/v1/challenges", "/api/v1/cities", "/api/v1/cities/city-a/teams"):
        listing = client.get(url, {"offset": MAX_OFFSET, "limit": 200})
        assert listing.status_code == 200 and listing.json()["items"] == [], url
    assert client.get("/api/v1/ideas", {"challenge": DB_INT_MAX}).json()["items"] == []
    assert client.get("/api/v1/challenges", {"offset": MAX_OFFSET + 1}).status_code == 422
    assert client.get(f"/api/v1/challenges/{DB_INT_MAX}").status_code == 404


def test_openapi_states_the_bound_of_every_integer_parameter() -> None:
    """Every integer parameter of the API says its maximum, so clients know the limit."""
    unbounded = [
        (path, p["name"])
        for _method, path, parameters in _operations()
        for p in parameters
        if _is_integer(p) and _maximum(p) is None
    ]
    assert unbounded == []


def _maximum(parameter: dict[str, Any]) -> int | None:
    schema = parameter["schema"]
    for s in [schema, *schema.get("anyOf", [])]:
        if "maximum" in s:
            return int(s["maximum"])
    return None


def _details(response: Any) -> list[dict[str, Any]]:
    try:
        return list(response.json()["error"]["details"] or [])
    except (ValueError, KeyError, TypeError):
        return []


def _body_integers(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(operation, property, schema) of every integer property of every request body."""
    schemas = document["components"]["schemas"]
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                ref = media.get("schema", {}).get("$ref", "")
                properties = schemas.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
                for name, schema in properties.items():
                    items = schema.get("items", {})
                    options = [schema, items, *schema.get("anyOf", [])]
                    if any(s.get("type") == "integer" for s in options):
                        found.append((f"{method.upper()} {path}", name, schema))
    return found


def test_every_integer_in_a_request_body_states_its_maximum() -> None:
    """GIVEN every request body of the API WHEN its integer properties are read THEN each
    says a maximum no larger than what the databases hold (ids: 1 … 2^63 - 1), like the
    path and query ids."""
    document = api.get_openapi_schema(path_prefix="/api/v1/")
    found = _body_integers(document)
    unbounded = []
    for operation, name, schema in found:
        options = [schema, schema.get("items", {}), *schema.get("anyOf", [])]
        maxima = [int(s["maximum"]) for s in options if "maximum" in s]
        if not maxima or max(maxima) > DB_INT_MAX:
            unbounded.append((operation, name))
    assert len(found) > 5 and unbounded == []


@pytest.mark.parametrize("value", TOO_BIG)
def test_body_ids_beyond_the_database_are_a_422(world: World, value: int) -> None:
    """GIVEN a member WHEN an idea names challenge 2^63 (or a cause names such a parent or
    evidence) THEN the answer is a 422 naming the field, not a 500."""
    client = Client(**api_headers(world.user("member")))
    for url, body, field in (
        ("/api/v1/ideas", {"challenge": value, "title": "An idea"}, "challenge"),
        ("/api/v1/causes", {"challenge": value, "title": "A cause"}, "challenge"),
    ):
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 422, (url, response.content)
        assert field in {d.get("field") for d in _details(response)}, response.json()


def test_counts_beyond_an_integer_field_are_a_422(world: World) -> None:
    """GIVEN a city's population or a cause's position of 2^31 (beyond PostgreSQL's integer)
    WHEN sent THEN the answer is a 422 naming the field on both databases, not a 500."""
    admin = Client(**api_headers(world.user("network_admin")))
    response = admin.patch(
        f"/api/v1/cities/{world.city.slug}", {"population": 2**31}, content_type="application/json"
    )
    assert response.status_code == 422 and "population" in {
        d.get("field") for d in _details(response)
    }
    accepted = admin.patch(
        f"/api/v1/cities/{world.city.slug}",
        {"population": 2**31 - 1},
        content_type="application/json",
    )
    assert accepted.status_code == 200, accepted.content
