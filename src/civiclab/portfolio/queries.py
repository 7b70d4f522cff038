"""Scoped reads of the portfolio: nothing a user may not see is ever fetched."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from civiclab.core.scoping import visible_to
from civiclab.portfolio.models import Challenge, Evidence, Idea, Solution, scope

M = TypeVar("M", bound=Model)


def visible(model: type[M], user: Any) -> QuerySet[M]:
    """The objects of ``model`` that ``user`` may see (through their challenge or solution)."""
    return visible_to(model.objects.all(), user, scope(model))  # type: ignore[attr-defined]


def visible_challenges(user: Any) -> QuerySet[Challenge]:
    return visible(Challenge, user).select_related("city", "city__network", "team", "owner")


def key_facts(user: Any) -> dict[str, int]:
    """Live counts over what ``user`` may see: problems tackled, ideas generated, solutions
    in delivery (and all solutions)."""
    challenges = visible(Challenge, user)
    return {
        "problems_tackled": challenges.exclude(phase="closed").count(),
        "ideas_generated": visible(Idea, user).count(),
        "solutions": visible(Solution, user).exclude(stage="stopped").count(),
        "solutions_in_delivery": visible(Solution, user).filter(stage="deliver").count(),
        "evidence": visible(Evidence, user).count(),
    }
