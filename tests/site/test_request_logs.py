"""Request ids and logs: each request has an id (the proxy's, if well formed), sent back in
X-Request-ID and carried by every line logged while it runs; one access line per request;
JSON lines on request."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

from civiclab.core.logs import (
    JsonLineFormatter,
    PlainFormatter,
    RequestIdFilter,
    request_id,
    request_id_from,
)
from civiclab.site import urls as site_urls
from tests.clients import as_user
from tests.world import World

pytestmark = pytest.mark.django_db

inner = logging.getLogger("civiclab.tests.inner")


def logs_something(request: HttpRequest) -> HttpResponse:
    inner.warning("inside the view")
    return HttpResponse("ok")


def fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the view broke")


# The site's URLconf plus views that log and fail, which no real page should (the error page
# links to the site's pages).
urlpatterns = [
    path("logs/", logs_something, name="logs"),
    path("fails/", fails, name="fails"),
    *site_urls.urlpatterns,
]
HERE = "tests.site.test_request_logs"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """What civiclab's and Django's loggers write, through the filter and the JSON
    formatter, as settings.LOGGING sets them up with CIVICLAB_LOG_FORMAT=json."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonLineFormatter())
    loggers = [logging.getLogger(name) for name in ("civiclab", "django.request")]
    for logger in loggers:
        logger.addHandler(handler)
    yield stream
    for logger in loggers:
        logger.removeHandler(handler)


def entries(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_request_gets_a_new_id_in_its_answer() -> None:
    first = Client().get("/healthz")["X-Request-ID"]
    second = Client().get("/healthz")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second


@pytest.mark.parametrize("given", ["abc-123", "req.2025_01.X-9", "a" * 64])
def test_a_well_formed_incoming_id_is_kept(given: str) -> None:
    assert Client().get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given


@pytest.mark.parametrize("given", ["", "a" * 65, "has space", 'quote"d', "é", "a;b", "<x>"])
def test_a_malformed_incoming_id_is_replaced(given: str) -> None:
    """GIVEN an X-Request-ID that is too long or holds other characters than letters, digits,
    dots, underscores and hyphens THEN a new id is used: a client cannot put text of its choice
    into every log line."""
    answered = Client().get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-ID"]
    assert answered != given and re.fullmatch(r"[0-9a-f]{32}", answered)
    assert request_id_from(given) != given


def test_every_line_of_a_request_carries_its_id_in_json(captured: io.StringIO) -> None:
    """GIVEN JSON logs WHEN a view logs a warning THEN its line and the access line are JSON
    objects with the request's id, an ISO-8601 UTC time, level, logger and message."""
    with override_settings(ROOT_URLCONF=HERE):
        response = Client().get("/logs/?secret=1", HTTP_X_REQUEST_ID="trace-42")
    assert response["X-Request-ID"] == "trace-42"
    lines = entries(captured)
    view = next(e for e in lines if e["logger"] == "civiclab.tests.inner")
    assert view["request_id"] == "trace-42"
    assert view["level"] == "WARNING" and view["message"] == "inside the view"
    stamp = datetime.fromisoformat(str(view["time"]))
    assert stamp.utcoffset() is not None and stamp.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    access = [e for e in lines if e["logger"] == "civiclab.request"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == "trace-42" and line["level"] == "INFO"
    assert line["method"] == "GET" and line["status"] == 200
    assert line["path"] == "/logs/"  # never the query string
    assert "secret" not in json.dumps(line)
    assert isinstance(line["duration_ms"], float) and line["user_id"] is None
    assert line["route"] == "logs"


def test_a_server_error_is_logged_with_its_traceback_and_id(captured: io.StringIO) -> None:
    """GIVEN a view that raises WHEN it is asked for THEN a 500, and one ERROR line from
    django.request whose "exception" holds the traceback, with the request's id (Django's own
    default would log nothing when DEBUG is off)."""
    with override_settings(ROOT_URLCONF=HERE):
        response = Client(raise_request_exception=False).get("/fails/")
    assert response.status_code == 500
    rid = response["X-Request-ID"]
    errors = [e for e in entries(captured) if e["logger"] == "django.request"]
    assert len(errors) == 1 and errors[0]["level"] == "ERROR"
    assert errors[0]["request_id"] == rid
    assert "RuntimeError: the view broke" in str(errors[0]["exception"])
    access = [e for e in entries(captured) if e["logger"] == "civiclab.request"]
    assert access[0]["status"] == 500 and access[0]["request_id"] == rid


def test_the_access_line_names_the_signed_in_user(world: World, captured: io.StringIO) -> None:
    member = world.user("member")
    as_user(member).get("/")
    access = [e for e in entries(captured) if e["logger"] == "civiclab.request"]
    assert access[-1]["user_id"] == member.pk and access[-1]["route"] == "site:home"


def test_lines_outside_a_request_have_no_id(captured: io.StringIO) -> None:
    logging.getLogger("civiclab.tests.outside").warning("from the worker")
    assert entries(captured)[-1]["request_id"] is None
    assert request_id.get() is None


def test_plain_lines_carry_the_id_and_no_forged_line(captured: io.StringIO) -> None:
    """GIVEN plain logs WHEN a path holds an encoded line feed THEN the access line is still
    one line, with the request's id in brackets."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(PlainFormatter())
    logger = logging.getLogger("civiclab.request")
    logger.addHandler(handler)
    try:
        Client().get("/nothing%0A2025-01-01 INFO forged", HTTP_X_REQUEST_ID="plain-1")
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert " INFO civiclab.request [plain-1] GET /nothing\\n2025-01-01 INFO forged 404 " in lines[0]


def test_an_exception_outside_a_request_is_json_too() -> None:
    record = logging.LogRecord("civiclab.x", logging.ERROR, __file__, 1, "failed %s", ("x",), None)
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    entry = json.loads(JsonLineFormatter().format(record))
    assert entry["message"] == "failed x" and "ValueError: boom" in entry["exception"]
    assert entry["request_id"] is None


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CIVICLAB_LOG_FORMAT", "xml", "CIVICLAB_LOG_FORMAT='xml': use plain or json"),
        ("CIVICLAB_METRICS_TOKEN", "short", "CIVICLAB_METRICS_TOKEN must be at least 16"),
    ],
)
def test_bad_settings_are_one_line(tmp_path: Path, variable: str, value: str, message: str) -> None:
    from tests.test_cli import run_subprocess

    result = run_subprocess(tmp_path, "check", **{variable: value})
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
