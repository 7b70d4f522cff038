"""Schemathesis over the whole OpenAPI document: every operation, anonymously and as a member
of city A, with a bounded, derandomized number of generated requests each. No request may
answer with a server error, and every answer's status code, content type and body must be the
ones the document states. Selected with ``-m fuzz``; runs with the rest of the suite.

A failure prints the request that broke (a reproduction with ``curl``): fix its cause, or, when
the answer is right but undocumented, document it on the route.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from civiclab.datasets import services as datasets
from civiclab.datasets.models import ImportJob
from civiclab.evaluation.models import EvaluationPlan, EvaluationResult
from civiclab.funding.models import Application, Opportunity
from civiclab.indicators import services as indicators
from civiclab.wsgi import application
from tests.datasets.helpers import write
from tests.permission_matrix import api_headers
from tests.portfolio import factories
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


@dataclass
class Member:
    """A member of city A, with one object of every kind in A that the routes can name."""

    headers: dict[str, str]
    path: dict[str, Any]  # path parameter -> value, e.g. "slug" -> "city-a"
    pks: dict[str, int]  # first path segment -> pk, e.g. "challenges" -> 3


@pytest.fixture
def member(db: None, tmp_path: Path) -> Member:
    world = build_world()
    user = world.user("member")
    csv = write(
        tmp_path / "requests.csv",
        "id,kind,opened,Latitude,Longitude\n1,pothole,2024-01-05,30.69,-88.10\n"
        "2,graffiti,2024-02-03,30.68,-88.09\n",
    )
    options = datasets.ImportOptions(visibility="city")
    dataset = datasets.import_file(user, world.city, "Requests", csv, csv.name, options).dataset
    indicator = indicators.create_indicator(
        user, dataset, "Requests", {"measure": {"type": "count"}}
    )
    challenge = factories.challenge(world.city)
    idea = factories.idea(challenge)
    solution = factories.solution(challenge)
    job = ImportJob.objects.create(
        city=world.city, dataset=dataset, dataset_name="Requests", upload="requests.csv"
    )
    plan = EvaluationPlan.objects.create(
        solution=solution, city=world.city, visibility="city", title="Trial", design="rct",
        outcome_dataset=dataset, outcome_column="kind", unit_column="id",
    )  # fmt: skip
    result = EvaluationResult.objects.create(plan=plan, plan_hash="0" * 64, data_version="d0")
    grant = Opportunity.objects.create(external_id="990002", title="Fuzzed grant")
    application = Application.objects.create(city=world.city, title="Fuzzed", opportunity=grant)
    return Member(
        headers={"Authorization": api_headers(user)["HTTP_AUTHORIZATION"]},
        path={
            "slug": world.city.slug,
            "dataset": dataset.slug,
            "indicator": indicator.slug,
            "team_id": world.team.pk,
            "membership_id": user.memberships.get().pk,
            "job_id": job.pk,
            "evaluation_id": plan.pk,
            "result_id": result.pk,
            "application_id": application.pk,
            "opportunity_id": grant.pk,
        },
        pks={
            "challenges": challenge.pk,
            "evidence": factories.evidence(challenge).pk,
            "causes": factories.cause(challenge).pk,
            "opportunity-areas": factories.opportunity(challenge).pk,
            "ideas": idea.pk,
            "scores": factories.score(idea, world.user("city_admin")).pk,
            "solutions": solution.pk,
            "milestones": factories.milestone(solution).pk,
            "risks": factories.risk(solution).pk,
            "decisions": factories.decision(solution).pk,
            "updates": factories.update(solution).pk,
        },
    )


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
def test_member(case: Any, member: Member) -> None:
    """The member's requests name the city's real objects, so they reach past the lookups."""
    if case.path_parameters:
        for name in case.path_parameters:
            if name in member.path:
                case.path_parameters[name] = member.path[name]
        segment = case.operation.path.strip("/").split("/")[2]
        if "pk" in case.path_parameters and segment in member.pks:
            case.path_parameters["pk"] = member.pks[segment]
    _fuzz(case, member.headers)


# What the fuzzer found, kept as plain tests.


def test_a_null_for_a_field_that_cannot_be_empty_is_a_422(member: Member) -> None:
    """GIVEN a dataset WHEN a member sends ``"description": null`` THEN the answer is a 422
    naming the field (it was a database error, a 500), and the dataset is unchanged."""
    url = f"/api/v1/cities/city-a/datasets/{member.path['dataset']}"
    response = Client().patch(
        url,
        data={"description": None},
        content_type="application/json",
        HTTP_AUTHORIZATION=member.headers["Authorization"],
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "description"
    assert (
        Client().get(url, HTTP_AUTHORIZATION=member.headers["Authorization"]).json()["description"]
        == ""
    )


def test_a_nul_in_a_query_parameter_is_a_422_naming_it(member: Member) -> None:
    """GIVEN a member's dataset WHEN a query parameter holds a NUL (``?dataset=%00``, found
    on the hot spots route) THEN the API answers its 422 naming the parameter — on PostgreSQL
    the lookup raised "text fields cannot contain NUL" (a 500) — and a page answers a 400."""
    response = Client().get(
        "/api/v1/cities/city-a/geo/hotspots?dataset=%00&resolution=9",
        HTTP_AUTHORIZATION=member.headers["Authorization"],
    )
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["error"]["details"]] == ["dataset"]
    page = Client().get("/cities/city-a/datasets/?q=a%00b")
    assert page.status_code == 400
    assert b"NUL" in page.content
    # A value without one still goes through.
    fine = Client().get(
        f"/api/v1/cities/city-a/geo/hotspots?dataset={member.path['dataset']}",
        HTTP_AUTHORIZATION=member.headers["Authorization"],
    )
    assert fine.status_code != 422


def test_a_nul_in_a_body_field_is_a_422_naming_it(member: Member) -> None:
    """GIVEN a member's solution WHEN a body's string holds a NUL (``{"indicator": "\\u0000"}``,
    found by the fuzzer on ``POST /solutions/{pk}/targets``) THEN the API answers its 422 naming
    the field — on PostgreSQL the slug lookup raised "text fields cannot contain NUL" (a 500);
    without one the same body goes through."""
    url = f"/api/v1/solutions/{member.pks['solutions']}/targets"
    headers = {"HTTP_AUTHORIZATION": member.headers["Authorization"]}
    refused = Client().post(
        url, {"indicator": "\x00", "target_value": None}, content_type="application/json",
        **headers,
    )  # fmt: skip
    assert refused.status_code == 422, refused.content
    details = refused.json()["error"]["details"]
    assert [d["field"] for d in details] == ["indicator"] and "NUL" in details[0]["message"]
    fine = Client().post(
        url, {"indicator": member.path["indicator"], "target_value": None},
        content_type="application/json", **headers,
    )  # fmt: skip
    assert fine.status_code in (200, 201), fine.content
