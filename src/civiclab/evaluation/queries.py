"""Scoped reads of evaluations: an evaluation is as private as its solution.

A plan carries its own visibility (never wider than its solution's when written), and every
read also requires its solution to be visible now, so narrowing the solution later hides its
evaluations at once. Amendments, assignments and results are read through their plan."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet

from civiclab.core.permissions import DEFAULT_POLICY
from civiclab.core.scoping import actor_for, rule_ids, visible_to
from civiclab.evaluation.models import (
    SCOPE,
    Assignment,
    EvaluationPlan,
    EvaluationResult,
    PlanAmendment,
)
from civiclab.portfolio.models import Solution
from civiclab.portfolio.queries import visible

EVALUATION_POLICY = DEFAULT_POLICY


def visible_evaluations(user: Any) -> QuerySet[EvaluationPlan]:
    """The plans ``user`` may see: their own visibility and their solution's both allow it."""

    def rule() -> QuerySet[EvaluationPlan]:
        solutions = visible(Solution, user).values("pk")
        return visible_to(EvaluationPlan.objects.all(), user, SCOPE[EvaluationPlan]).filter(
            solution__in=solutions
        )

    return rule_ids(EvaluationPlan, ("evaluation.visible", actor_for(user)), rule).select_related(
        "city", "city__network", "team", "solution", "owner", "locked_by"
    )


def evaluations_of(user: Any, solution: Solution) -> QuerySet[EvaluationPlan]:
    return visible_evaluations(user).filter(solution=solution)


def visible_amendments(user: Any) -> QuerySet[PlanAmendment]:
    plans = visible_evaluations(user).values("pk")
    return PlanAmendment.objects.filter(plan__in=plans).select_related("by")


def visible_assignments(user: Any) -> QuerySet[Assignment]:
    plans = visible_evaluations(user).values("pk")
    return Assignment.objects.filter(plan__in=plans).select_related("saved_version__dataset")


def visible_results(user: Any) -> QuerySet[EvaluationResult]:
    plans = visible_evaluations(user).values("pk")
    return EvaluationResult.objects.filter(plan__in=plans).select_related("plan")


def latest_result(plan: EvaluationPlan) -> EvaluationResult | None:
    """The plan's newest result (the caller has already read the plan through a scoped query)."""
    return plan.results.order_by("-created_at", "-pk").first()


def solution_results(user: Any, solution: Solution) -> list[EvaluationResult]:
    """The newest finished result of each evaluation of ``solution`` that ``user`` may see:
    what the solution's page, its indicator targets and later reports show as "what was
    learned" (a plan with no finished result has none)."""
    done = (
        visible_results(user)
        .filter(plan__solution=solution, state=EvaluationResult.State.DONE)
        .order_by("plan_id", F("finished_at").desc(nulls_last=True), "-pk")
    )
    newest: dict[int, EvaluationResult] = {}
    for result in done:
        newest.setdefault(result.plan_id, result)
    return list(newest.values())


def indicator_results(user: Any, indicator: Any) -> list[EvaluationResult]:
    """The newest finished result of each visible evaluation whose primary outcome is
    ``indicator``: what an indicator (and a solution's target on it) shows as learned."""
    done = (
        visible_results(user)
        .filter(plan__outcome_indicator=indicator, state=EvaluationResult.State.DONE)
        .order_by("plan_id", F("finished_at").desc(nulls_last=True), "-pk")
    )
    newest: dict[int, EvaluationResult] = {}
    for result in done:
        newest.setdefault(result.plan_id, result)
    return list(newest.values())
