"""Error pages (400, 403, 404, 500) look like civiclab, speak the reader's language, list no URL
patterns, run no inline script; the demo runs with DEBUG off and still serves its static files
and a favicon."""

from __future__ import annotations

import os
import re

import pytest
from django.test import Client, RequestFactory
from django.utils import translation
from django.views import defaults

from civiclab import cli
from tests.world import World

STYLED = 'href="/static/civiclab/civiclab.css"'
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def _assert_styled(body: str) -> None:
    assert STYLED in body and 'class="site"' in body, body[:500]
    assert "URLconf" not in body and "Traceback" not in body
    assert INLINE_SCRIPT.search(body) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading"), [("en", "Page not found"), ("fr", "Page introuvable")]
)
def test_unknown_address_is_a_styled_translated_404(language: str, heading: str) -> None:
    """GIVEN an address that does not exist WHEN anyone opens it
    THEN the 404 page is civiclab's, in their language, and lists no URL patterns."""
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    _assert_styled(body)
    assert heading in body


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "heading"), [("en", "Not allowed"), ("fr", "Accès refusé")])
def test_forbidden_is_a_styled_translated_403(world: World, language: str, heading: str) -> None:
    """GIVEN a member WHEN they open a city admin's page THEN the 403 page is civiclab's, in
    their language, with the navigation."""
    member = world.user("member")
    member.language = language
    member.save(update_fields=["language"])
    client = Client()
    client.force_login(member)
    response = client.get("/cities/city-a/members/")
    assert response.status_code == 403
    body = response.content.decode()
    _assert_styled(body)
    assert heading in body and 'aria-label="' in body


@pytest.mark.django_db
def test_a_refused_form_is_a_styled_403(world: World) -> None:
    """GIVEN a form posted without its CSRF token THEN the 403 page is civiclab's."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("member"))
    response = client.post("/accounts/profile/", {"full_name": "x"})
    assert response.status_code == 403
    body = response.content.decode()
    _assert_styled(body)
    assert "The form could not be sent" in body


@pytest.mark.django_db
def test_bad_request_is_a_styled_400() -> None:
    """GIVEN a request for a host the server does not serve THEN a styled 400 answers."""
    response = Client(HTTP_HOST="evil.example").get("/")
    assert response.status_code == 400
    body = response.content.decode()
    _assert_styled(body)
    assert "Bad request" in body


@pytest.mark.parametrize(("language", "heading"), [("en", "went wrong"), ("fr", "incident")])
def test_server_error_page_renders_without_the_database(language: str, heading: str) -> None:
    """GIVEN a failure so deep the database cannot be reached (no database access in this
    test: any query fails it) WHEN the 500 page is rendered THEN it is civiclab's, translated."""
    with translation.override(language):
        response = defaults.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    _assert_styled(body)
    assert heading in body


def test_the_demo_runs_with_debug_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN `civiclab demo` WHEN it sets up its environment THEN DEBUG stays off (Django's
    debug pages would list every URL pattern to anyone)."""
    seen: dict[str, str] = {}
    # cli.main sets its defaults in os.environ: give it a copy that is put back afterwards.
    monkeypatch.setattr(
        os, "environ", {k: v for k, v in os.environ.items() if k != "CIVICLAB_DEBUG"}
    )
    monkeypatch.setattr(cli, "_run_django", lambda argv: seen.update(os.environ) or 0)
    assert cli.main(["demo", "--no-serve"]) == 0
    assert seen.get("CIVICLAB_DEBUG", "false").lower() in ("", "0", "false", "no", "off")


@pytest.mark.django_db
def test_static_files_and_the_favicon_are_served_with_debug_off(settings) -> None:
    """GIVEN DEBUG off (as in the demo) WHEN a page, its stylesheet and the favicon are asked
    THEN all are served, and every page links the SVG favicon."""
    assert settings.DEBUG is False
    client = Client()
    assert client.get("/static/civiclab/civiclab.css").status_code == 200
    svg = client.get("/static/civiclab/favicon.svg")
    assert svg.status_code == 200 and b"<svg" in b"".join(svg.streaming_content)
    icon = client.get("/favicon.ico")
    assert icon.status_code in (200, 301, 302)
    page = client.get("/accounts/login/").content.decode()
    assert 'rel="icon"' in page and "civiclab/favicon.svg" in page


def test_a_service_a_page_needed_being_down_is_a_503_that_says_which() -> None:
    """GIVEN the object store unreachable while a page reads a dataset from it (a cold cache)
    WHEN the view meets the store's error THEN the answer is a 503 page saying so, with
    Retry-After — not the 500 of a crash — and the API's routes the same error shape."""
    from civiclab.datasets.store import StoreError
    from civiclab.site.views import server_error

    said = {
        ("en", "/cities/a/data/b/"): "A service this page needs does not answer",
        ("fr", "/cities/a/data/b/"): "Un service dont cette page a besoin ne répond pas",
        ("en", "/api/v1/x"): "The object store cannot be reached",
    }
    for (language, path), words in said.items():
        with translation.override(language):
            try:
                raise StoreError("The object store cannot be reached: try again shortly.")
            except StoreError:
                response = server_error(RequestFactory().get(path))
        assert response.status_code == 503 and response["Retry-After"]
        kind = "application/json" if path.startswith("/api/") else "text/html"
        assert response["Content-Type"].startswith(kind)
        assert words in response.content.decode()
