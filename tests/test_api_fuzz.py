"""Schemathesis over the whole OpenAPI document: every operation, anonymously and as a member
of city A, with a bounded, derandomized number of generated requests each. No request may
answer with a server error, and every answer's status code, content type and body must be the
ones the document states. Selected with ``-m fuzz``; runs with the rest of the suite.

A failure prints the request that broke (a reproduction with ``curl``): fix its cause, or, when
the answer is right but undocumented, document it on the route.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from civiclab.wsgi import application
from tests.permission_matrix import api_headers
from tests.world import build_world

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

# Per operation and per identity: 102 operations x 2 identities x this stays within about a
# minute on two cores.
EXAMPLES = 8
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# Loaded at collection (the document needs no database), so each operation is a test of its own.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# Requests the document allows: an answer to one of them must be documented. (Requests it
# forbids get the API's one 422 validation error, which the routes do not list one by one.)
schema.config.generation.update(modes=[GenerationMode.POSITIVE], deterministic=True)


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Requests go straight to the WSGI application, whose end-of-request signal would close
    the database connection and with it the test's transaction (on PostgreSQL); Django's
    test client disconnects it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def member_headers(db: None) -> dict[str, str]:
    world = build_world()
    token = api_headers(world.user("member"))["HTTP_AUTHORIZATION"]
    return {"Authorization": token}


def _fuzz(case: Any, headers: dict[str, str]) -> None:
    case.call_and_validate(headers=headers, checks=CHECKS)


_settings = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@_settings
def test_anonymous(case: Any) -> None:
    _fuzz(case, {})


@schema.parametrize()
@_settings
def test_member(case: Any, member_headers: dict[str, str]) -> None:
    _fuzz(case, member_headers)
