"""The evaluation API: plans (create, edit, lock, the exported plan, amendments), the
permission matrix, analyses queued with 202 and their results."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from civiclab.core.permissions import Visibility
from civiclab.evaluation.models import EvaluationResult
from civiclab.evaluation.queries import visible_evaluations
from tests.evaluation.helpers import dataset_of, plan_of, solution_of
from tests.permission_matrix import api_headers, check_permission_matrix
from tests.world import World

pytestmark = pytest.mark.django_db


def call(user: Any, method: str, url: str, data: Any = None) -> Any:
    client = Client()
    kwargs: dict[str, Any] = {"content_type": "application/json", **api_headers(user)}
    if data is not None:
        kwargs["data"] = json.dumps(data)
    return getattr(client, method)(url, **kwargs)


def test_evaluation_matrix(world: World) -> None:
    """GIVEN a plan at each visibility (its solution as wide) WHEN each kind of person reads,
    edits or deletes it THEN only those the rules name may."""

    def make(w: World, vis: Visibility):
        team = w.team if vis == Visibility.TEAM else None
        return plan_of(solution_of(w, visibility=vis, team=team), visibility=vis, team=team)

    check_permission_matrix(
        world,
        make,
        queryset=visible_evaluations,
        api_url=lambda p: f"/api/v1/evaluations/{p.pk}",
        api_update=lambda p: (f"/api/v1/evaluations/{p.pk}", {"title": "Renamed"}),
        api_delete=lambda p: f"/api/v1/evaluations/{p.pk}",
    )


def test_plan_life_through_the_api(world: World, tmp_path: Path) -> None:
    """GIVEN a solution and a dataset of outcomes WHEN a member drafts, locks and amends a
    plan through the API THEN the plan document's hash is the SHA-256 of its canonical
    content, an edit after the lock is a 409, and the amendment is listed with its reason."""
    solution = solution_of(world)
    dataset = dataset_of(world.city, tmp_path)
    member = world.user("member")
    made = call(member, "post", "/api/v1/evaluations", {
        "solution": solution.pk, "title": "Squad trial", "design": "rct",
        "question": "Faster closes?", "outcome_dataset": dataset.slug, "outcome_column": "days",
        "unit_column": "property", "analysis_date": "2099-12-01",
        "intervention_date": "2099-01-01", "columns": {"treated": "treated"},
        "unit_label": "property",
    })  # fmt: skip
    assert made.status_code == 201, made.content
    plan = made.json()
    assert plan["visibility"] == "city" and plan["outcome_dataset"] == dataset.slug
    assert plan["columns"] == {"treated": "treated"}
    url = f"/api/v1/evaluations/{plan['id']}"
    assert call(member, "patch", url, {"hypothesis": "3 days fewer"}).status_code == 200
    locked = call(member, "post", f"{url}/lock")
    assert locked.status_code == 200, locked.content
    assert len(locked.json()["content_hash"]) == 64
    document = call(member, "get", f"{url}/plan.json").json()
    raw = json.dumps(document["content"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(raw.encode()).hexdigest() == document["locked_hash"]
    refused = call(member, "patch", url, {"hypothesis": "Changed"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "plan_locked"
    amended = call(
        member, "post", f"{url}/amendments",
        {"field": "hypothesis", "value": "2 days fewer", "reason": "Smaller squad"},
    )  # fmt: skip
    assert amended.status_code == 201, amended.content
    listed = call(world.user("viewer"), "get", f"{url}/amendments").json()
    assert [a["reason"] for a in listed] == ["Smaller squad"]
    assert call(None, "get", f"{url}/amendments").status_code == 404


def test_analysis_is_queued_and_cached(
    world: World, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    """GIVEN a plan WHEN its analysis is asked for THEN the answer is a 202 with the result to
    follow, the worker fills it in (done, or failed with a message), and asking again with
    the same plan and data returns the same result."""
    solution = solution_of(world)
    dataset = dataset_of(world.city, tmp_path)
    plan = plan_of(
        solution, outcome_dataset=dataset, outcome_column="days", unit_column="property",
        columns={"treated": "treated"},
    )  # fmt: skip
    member = world.user("member")
    with django_capture_on_commit_callbacks(execute=True):
        answer = call(member, "post", f"/api/v1/evaluations/{plan.pk}/analyse")
    assert answer.status_code == 202, answer.content
    first = answer.json()
    assert answer["Location"] == first["url"]
    result = call(member, "get", first["url"]).json()
    assert result["state"] in ("done", "failed")
    if result["state"] == "failed":
        assert result["error"]["text"]
    else:
        assert {"estimate", "se", "ci_low", "ci_high", "n"} <= set(result["estimate"])
    again = call(member, "post", f"/api/v1/evaluations/{plan.pk}/analyse").json()
    assert again["id"] == first["id"] or result["state"] == "failed"
    assert (
        call(world.user("viewer"), "post", f"/api/v1/evaluations/{plan.pk}/analyse").status_code
        == 403
    )
    assert EvaluationResult.objects.filter(plan=plan).count() == 1
    latest = call(world.user("viewer"), "get", f"/api/v1/evaluations/{plan.pk}/result")
    assert latest.status_code == 200


def test_power_without_a_plan() -> None:
    pytest.importorskip("civiclab.evaluation.stats.power")
    answer = call(None, "post", "/api/v1/evaluations/power", {"n": 400, "sd": 10})
    assert answer.status_code == 200, answer.content
    found = answer.json()
    assert 2.5 < found["mde"] < 3.0  # 2.80·10·sqrt(2/200) ≈ 2.80
    assert found["curve"]
    missing = call(None, "post", "/api/v1/evaluations/power", {"n": 400})
    assert missing.status_code == 422


def test_randomise_saves_the_assignment(world: World, tmp_path: Path) -> None:
    """GIVEN a dataset of 40 properties in two districts WHEN a member randomises them,
    stratified by district, with a seed THEN the assignment is saved as a dataset of the city,
    its seed and SHA-256 are recorded with the plan and in the audit log, and the same seed
    gives the same hash."""
    pytest.importorskip("civiclab.evaluation.stats.randomise")
    from civiclab.audit.models import AuditEvent
    from civiclab.datasets.models import Dataset

    solution = solution_of(world)
    dataset = dataset_of(world.city, tmp_path)
    plan = plan_of(solution)
    member = world.user("member")
    body = {"dataset": dataset.slug, "unit_column": "property", "method": "stratified",
            "strata": ["district"], "seed": 42, "save_as": "Squad assignment"}  # fmt: skip
    made = call(member, "post", f"/api/v1/evaluations/{plan.pk}/randomise", body)
    assert made.status_code == 201, made.content
    found = made.json()
    assert found["seed"] == 42 and len(found["assignment_hash"]) == 64
    assert found["counts"] == {"control": 20, "treatment": 20}
    saved = Dataset.objects.get(pk=Dataset.objects.get(slug=found["dataset"]).pk)
    assert saved.current_version.rows == 40
    event = AuditEvent.objects.get(action="evaluation.randomise")
    assert event.details["seed"] == 42 and event.details["sha256"] == found["assignment_hash"]
    again = call(member, "post", f"/api/v1/evaluations/{plan.pk}/randomise", body).json()
    assert again["assignment_hash"] == found["assignment_hash"]
    document = call(member, "get", f"/api/v1/evaluations/{plan.pk}/plan.json").json()
    assert [a["seed"] for a in document["assignments"]] == [42, 42]
    bad = call(member, "post", f"/api/v1/evaluations/{plan.pk}/randomise", {**body, "strata": []})
    assert bad.status_code == 422


def test_lock_refusals_and_amending_the_outcome(world: World, tmp_path: Path) -> None:
    """GIVEN a draft whose outcomes are dated inside its window WHEN it is locked THEN a 409
    says outcome data exist; registered after data, it locks; then its outcome dataset is
    amended by slug, and a dataset of another city is not found."""
    solution = solution_of(world)
    dataset = dataset_of(world.city, tmp_path)
    later = dataset_of(world.city, tmp_path, name="Later outcomes")
    member = world.user("member")
    made = call(member, "post", "/api/v1/evaluations", {
        "solution": solution.pk, "title": "Squad", "design": "pre_post", "question": "?",
        "outcome_dataset": dataset.slug, "outcome_column": "days", "unit_column": "property",
        "time_column": "closed_on", "intervention_date": "2027-01-01",
        "analysis_date": "2028-01-01",
    }).json()  # fmt: skip
    url = f"/api/v1/evaluations/{made['id']}"
    refused = call(member, "post", f"{url}/lock")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "outcome_data_exist"
    assert call(member, "patch", url, {"registered_after_data": True}).status_code == 200
    assert call(member, "post", f"{url}/lock").status_code == 200
    amended = call(member, "post", f"{url}/amendments", {
        "field": "outcome_dataset", "value": later.slug, "reason": "The first file was partial",
    })  # fmt: skip
    assert amended.status_code == 201, amended.content
    assert amended.json()["after"] == later.pk
    assert call(member, "get", url).json()["outcome_dataset"] == later.slug
    foreign = dataset_of(world.other_city, tmp_path, name="Elsewhere")
    missing = call(member, "post", f"{url}/amendments", {
        "field": "outcome_dataset", "value": foreign.slug, "reason": "x",
    })  # fmt: skip
    assert missing.status_code == 404
    wider = call(world.user("city_admin"), "patch", url, {"visibility": "public"})
    assert wider.status_code == 422  # the solution is city-visible


def test_amending_a_date_or_a_number_reads_it_as_its_type(world: World, tmp_path: Path) -> None:
    plan = plan_of(
        solution_of(world), question="?", analysis_date="2099-12-01",
        intervention_date="2099-01-01", outcome_dataset=dataset_of(world.city, tmp_path),
        outcome_column="days", unit_column="property",
    )  # fmt: skip
    plan.refresh_from_db()
    from civiclab.evaluation.services import plans

    plans.lock_plan(None, plan)
    url = f"/api/v1/evaluations/{plan.pk}/amendments"
    member = world.user("member")
    moved = call(
        member, "post", url, {"field": "analysis_date", "value": "2099-06-01", "reason": "Sooner"}
    )
    assert moved.status_code == 201, moved.content
    assert moved.json()["after"] == "2099-06-01"
    bad = call(member, "post", url, {"field": "alpha", "value": "often", "reason": "x"})
    assert bad.status_code == 422
    late = call(
        member, "post", url, {"field": "intervention_date", "value": "2100-01-01", "reason": "x"}
    )
    assert late.status_code == 422  # after the analysis date
