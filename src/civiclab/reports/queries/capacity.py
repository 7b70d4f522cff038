"""Scoped reads of the capacity self-assessment, and the network comparison.

An assessment is read by its city's people and the network's admins (``visible_assessments``).
Another city's scores are never returned: ``comparison`` reads the network's scores only to
compute aggregates (the median, the city's percentile), and withholds even those below
``rules.capacity.MIN_CITIES`` submitting cities."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from civiclab.core.permissions import Action, scopes_for
from civiclab.core.scoping import actor_for, user_can, visible_to
from civiclab.network.models import City
from civiclab.network.queries import visible_cities
from civiclab.reports.models.capacity import CapacityAssessment, CapacityScore
from civiclab.reports.rules.capacity import ELEMENTS, Comparison, compare, overall
from civiclab.reports.services.capacity import CAPACITY_POLICY, city_year, target


def visible_assessments(user: Any) -> QuerySet[CapacityAssessment]:
    """The assessments ``user`` may read (their city's; every city's for a network admin)."""
    return (
        visible_to(CapacityAssessment.objects.all(), user)
        .select_related("city", "city__network", "submitted_by")
        .prefetch_related(Prefetch("scores", CapacityScore.objects.order_by("element")))
    )


def may_view(user: Any, city: City) -> bool:
    return user_can(user, Action.VIEW, target(city), CAPACITY_POLICY)


def may_fill(user: Any, city: City) -> bool:
    return user_can(user, Action.CREATE, target(city), CAPACITY_POLICY)


def assessed_cities(user: Any) -> QuerySet[City]:
    """The cities whose assessment page ``user`` may open: their own city (any role), every
    city of a network they administer."""
    scopes = scopes_for(actor_for(user))
    return visible_cities(user).filter(pk__in=[*scopes.city_ids]) | visible_cities(user).filter(
        network_id__in=[*scopes.all_in_networks]
    )


def scores_of(assessment: CapacityAssessment) -> dict[str, int]:
    return {s.element: s.score for s in assessment.scores.all()}


def _network_scores(network_id: int, year: int) -> list[dict[str, int]]:
    """Every submitted assessment's scores in the network that year (one query). Private:
    only ``comparison`` reads it, to compute aggregates."""
    rows = CapacityScore.objects.filter(
        assessment__city__network_id=network_id,
        assessment__year=year,
        assessment__submitted_at__isnull=False,
    ).values_list("assessment_id", "element", "score")
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for assessment_id, element, score in rows:
        found[assessment_id][element] = score
    return list(found.values())


def comparison(assessment: CapacityAssessment) -> Comparison:
    """Where ``assessment``'s city stands among the network's cities that year (the caller
    read ``assessment`` through ``visible_assessments``)."""
    return compare(
        scores_of(assessment), _network_scores(assessment.city.network_id, assessment.year)
    )


def submitted_count(network_id: int, year: int) -> int:
    """How many of the network's cities submitted that year (a count, never who)."""
    return CapacityAssessment.objects.filter(
        city__network_id=network_id, year=year, submitted_at__isnull=False
    ).count()


@dataclass(frozen=True)
class YearScores:
    year: int
    scores: dict[str, int]
    overall: float


def history(user: Any, city: City) -> list[YearScores]:
    """The city's scores by year, oldest first (as ``user`` may read them)."""
    found = []
    for assessment in visible_assessments(user).filter(city=city).order_by("year"):
        scores = scores_of(assessment)
        if all(e in scores for e in ELEMENTS):
            found.append(YearScores(assessment.year, scores, round(overall(scores), 2)))
    return found


@dataclass(frozen=True)
class Submission:
    city: City
    assessment: CapacityAssessment | None


def overview(user: Any, year: int) -> list[Submission]:
    """For a network admin: each city of the networks they administer, and its assessment that
    year (or None). Empty for everyone else."""
    scopes = scopes_for(actor_for(user))
    if not scopes.all_in_networks:
        return []
    cities = visible_cities(user).filter(network_id__in=[*scopes.all_in_networks]).order_by("name")
    assessments = {
        a.city_id: a for a in visible_assessments(user).filter(city__in=cities, year=year)
    }
    return [Submission(city, assessments.get(city.pk)) for city in cities]


def current_year(city: City) -> int:
    return city_year(city)
