"""Evaluation lists take the same number of queries however many rows there are."""

from __future__ import annotations

import pytest

from civiclab.evaluation.models import EvaluationResult, PlanAmendment
from tests.evaluation.helpers import plan_of, solution_of
from tests.test_query_counts import count_queries
from tests.world import World

pytestmark = pytest.mark.django_db


def add_plans(world: World, count: int) -> None:
    for i in range(count):
        plan = plan_of(solution_of(world), title=f"Trial {i}")
        PlanAmendment.objects.create(plan=plan, field="hypothesis", reason="Why")
        EvaluationResult.objects.create(plan=plan, plan_hash=str(i), data_version="d")


def test_the_evaluation_list_does_not_grow_with_rows(world: World) -> None:
    add_plans(world, 2)
    few = count_queries(world, "/api/v1/evaluations")
    add_plans(world, 8)
    many = count_queries(world, "/api/v1/evaluations")
    assert many == few, f"{few} queries with few rows, {many} with more"


def test_a_plan_does_not_grow_with_its_amendments(world: World) -> None:
    plan = plan_of(solution_of(world))
    url = f"/api/v1/evaluations/{plan.pk}"
    PlanAmendment.objects.create(
        plan=plan, field="hypothesis", reason="Why", by=world.user("member")
    )
    few = count_queries(world, url)
    for _ in range(5):
        PlanAmendment.objects.create(
            plan=plan, field="question", reason="Why", by=world.user("city_admin")
        )
    assert count_queries(world, url) == few
