"""REST API: the error shape, pagination, writes through services, and the OpenAPI document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from civiclab.audit.models import AuditEvent
from civiclab.network.models import City, Membership, Team
from tests.factories import CityFactory, UserFactory
from tests.permission_matrix import api_headers
from tests.world import World

pytestmark = pytest.mark.django_db
OPENAPI_COPY = Path(__file__).parent / "data" / "openapi.json"


def call(method: str, url: str, user: object = None, body: object = None):
    client = Client()
    kwargs = api_headers(user)
    if body is not None:
        return getattr(client, method)(
            url, json.dumps(body), content_type="application/json", **kwargs
        )
    return getattr(client, method)(url, **kwargs)


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    return body["error"]


def test_me(world: World) -> None:
    body = call("get", "/api/v1/me", world.user("team_member")).json()
    assert body["email"] == "team.member@matrix.example.org"
    assert body["memberships"] == [
        {"network": "matrix-net", "city": "city-a", "team": "team-t", "role": "member"}
    ]


def test_errors_have_one_shape(world: World) -> None:
    assert_error(call("get", "/api/v1/me"), 401, "unauthenticated")
    assert_error(call("get", "/api/v1/cities/nowhere", world.user("member")), 404, "not_found")
    error = assert_error(
        call("post", "/api/v1/cities", world.user("network_admin"), {"slug": "Bad Slug!"}),
        422,
        "validation_error",
    )
    assert {d["field"] for d in error["details"]} >= {"slug", "name", "country"}
    assert_error(
        call("patch", "/api/v1/cities/city-a", world.user("member"), {"name": "X"}),
        403,
        "forbidden",
    )


def test_model_validation_errors_name_the_field(world: World) -> None:
    error = assert_error(
        call("patch", "/api/v1/cities/city-a", world.user("city_admin"), {"timezone": "Mars/Base"}),
        422,
        "validation_error",
    )
    assert error["details"][0]["field"] == "timezone"
    assert City.objects.get(slug="city-a").timezone != "Mars/Base"


def test_pagination(world: World) -> None:
    for n in range(5):
        CityFactory(network=world.network, slug=f"extra-{n}", visibility="public")
    page = call("get", "/api/v1/cities?limit=2&offset=1").json()
    assert page["limit"] == 2 and page["offset"] == 1
    assert page["count"] == 5
    assert len(page["items"]) == 2
    assert_error(call("get", "/api/v1/cities?limit=0"), 422, "validation_error")
    assert_error(call("get", "/api/v1/cities?limit=1000"), 422, "validation_error")


def test_city_admin_manages_members_of_own_city_only(world: World) -> None:
    newcomer = UserFactory(email="new@example.org")
    admin = world.user("city_admin")
    created = call(
        "post",
        "/api/v1/memberships",
        admin,
        {"email": "new@example.org", "city": "city-a", "role": "member", "team": world.team.pk},
    )
    assert created.status_code == 201, created.content
    membership_id = created.json()["id"]
    assert created.json()["team"] == world.team.pk
    changed = call(
        "patch", f"/api/v1/memberships/{membership_id}", admin, {"role": "viewer", "team": 0}
    )
    assert changed.json()["role"] == "viewer" and changed.json()["team"] is None
    # Another city's admin can neither add people to A nor see A's memberships.
    other = world.user("other_city_admin")
    refused = call(
        "post",
        "/api/v1/memberships",
        other,
        {"email": newcomer.email, "city": "city-a", "role": "city_admin"},
    )
    assert refused.status_code in (403, 404)
    listed = call("get", "/api/v1/memberships?city=city-a", other).json()
    assert listed["count"] == 0
    assert call("delete", f"/api/v1/memberships/{membership_id}", admin).status_code == 204
    assert not Membership.objects.filter(pk=membership_id).exists()
    assert AuditEvent.objects.filter(action="membership.delete", city=world.city).exists()


def test_team_of_another_city_cannot_be_attached(world: World) -> None:
    b_team = Team.objects.create(city=world.other_city, name="B team", slug="b-team")
    UserFactory(email="new@example.org")
    response = call(
        "post",
        "/api/v1/memberships",
        world.user("city_admin"),
        {"email": "new@example.org", "city": "city-a", "role": "member", "team": b_team.pk},
    )
    assert_error(response, 404, "not_found")


def test_last_city_admin_cannot_be_removed(world: World) -> None:
    only_admin = Membership.objects.get(city=world.city, role="city_admin")
    response = call("delete", f"/api/v1/memberships/{only_admin.pk}", world.user("city_admin"))
    error = assert_error(response, 422, "validation_error")
    assert "at least one city admin" in error["details"][0]["message"]


def test_network_admin_adds_a_city_and_others_cannot(world: World) -> None:
    body = {"slug": "lyon", "name": "Lyon", "country": "FR", "default_language": "fr"}
    assert call("post", "/api/v1/cities", world.user("city_admin"), body).status_code == 403
    created = call("post", "/api/v1/cities", world.user("network_admin"), body)
    assert created.status_code == 201, created.content
    assert created.json()["network"] == "matrix-net"
    assert_error(call("post", "/api/v1/cities", world.user("network_admin"), body), 409, "conflict")


def test_session_writes_need_csrf(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("city_admin"))
    response = client.patch(
        "/api/v1/cities/city-a", json.dumps({"name": "X"}), content_type="application/json"
    )
    assert_error(response, 403, "forbidden")
    assert City.objects.get(slug="city-a").name == "City A"


def test_openapi_document_matches_committed_copy() -> None:
    """Changing the API is deliberate: regenerate with `civiclab export_openapi`."""
    current = Client().get("/api/v1/openapi.json").json()
    assert current == json.loads(OPENAPI_COPY.read_text()), (
        "the API changed: run `uv run civiclab export_openapi` and review the diff"
    )


def test_every_route_has_an_operation_id_and_summary() -> None:
    document = Client().get("/api/v1/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("operationId"), f"{method} {path}"
            assert operation.get("summary"), f"{method} {path}"


def test_network_errors_speak_the_request_language(world: World) -> None:
    """GIVEN a French request WHEN adding a city is refused (not a network admin) or clashes with
    an existing slug THEN the error message is French, like every other API error."""
    body = {"slug": "lyon", "name": "Lyon", "country": "FR", "default_language": "fr"}
    french = {"HTTP_ACCEPT_LANGUAGE": "fr"}

    def post(user: object) -> Any:
        return Client().post(
            "/api/v1/cities", json.dumps(body), content_type="application/json",
            **api_headers(user), **french,
        )  # fmt: skip

    refused = post(world.user("city_admin")).json()["error"]["message"]
    assert "Seuls les administrateurs du réseau" in refused
    assert post(world.user("network_admin")).status_code == 201
    clash = post(world.user("network_admin")).json()["error"]["message"]
    assert "existe déjà" in clash


def test_the_docs_page_uses_ninjas_own_files_not_a_cdn(client) -> None:  # type: ignore[no-untyped-def]
    """GIVEN django-ninja left out of INSTALLED_APPS (start-up time) WHEN the API docs page is
    opened THEN it is ninja's local Swagger page, whose script and style are found as static
    files — nothing is fetched from a CDN."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    assert "ninja" not in settings.INSTALLED_APPS
    page = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in page.lower() and "swagger-ui-bundle.js" in page
    for name in ("ninja/swagger-ui-bundle.js", "ninja/swagger-ui.css", "ninja/swagger-ui-init.js"):
        assert finders.find(name), name


def test_api_schema_names_are_unique() -> None:
    """GIVEN every pydantic schema the apps' API modules declare WHEN two share a class name
    THEN this fails: the OpenAPI document names its components by class name, so one would
    silently describe the other's responses (capacity's ScoreOut did portfolio's)."""
    import importlib
    import inspect
    import pkgutil
    from collections import defaultdict

    from pydantic import BaseModel

    import civiclab

    where: dict[str, set[str]] = defaultdict(set)
    for info in pkgutil.walk_packages(civiclab.__path__, "civiclab."):
        if ".schemas" not in info.name and not info.name.endswith(".api"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseModel)
                and value.__module__ == module.__name__
            ):
                where[name].add(module.__name__)
    assert {n: m for n, m in where.items() if len(m) > 1} == {}
