"""Scoped reads of matching: the challenge or solution a person may see, its dismissals, and
peer cities working on similar challenges (only challenges the person may see)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from civiclab.core.textprep import document_terms
from civiclab.funding.models import MatchDismissal
from civiclab.portfolio.models import Challenge, Solution
from civiclab.portfolio.queries import visible

# Challenges read to find peers (the most recently updated ones).
PEER_CANDIDATES = 500
PEER_LIMIT = 5


def challenge_for(user: Any, pk: int) -> Challenge | None:
    return visible(Challenge, user).select_related("city", "city__network").filter(pk=pk).first()


def solution_for(user: Any, pk: int) -> Solution | None:
    return (
        visible(Solution, user)
        .select_related("challenge", "challenge__city", "city")
        .filter(pk=pk)
        .first()
    )


def dismissals_for(
    challenge: Challenge, solution: Solution | None = None
) -> QuerySet[MatchDismissal]:
    """The dismissals of a challenge's matches (or of one solution's): read by whoever may see
    the challenge (the caller found it with ``challenge_for``)."""
    found = MatchDismissal.objects.filter(challenge=challenge).select_related("opportunity", "by")
    return found.filter(solution=solution) if solution else found.filter(solution__isnull=True)


@dataclass
class Peer:
    """A city with challenges like this one: a partner for a joint application."""

    city: Any
    challenges: list[Challenge] = field(default_factory=list)
    same_area: bool = False
    shared_words: list[str] = field(default_factory=list)
    score: float = 0.0


def _words(challenge: Challenge) -> dict[str, int]:
    uses = document_terms([challenge.title, challenge.problem_statement])
    return {use.word: use.count for use in uses.values()}


def peers(user: Any, challenge: Challenge, limit: int = PEER_LIMIT) -> list[Peer]:
    """Other cities with challenges ``user`` may see in the same priority area or with words in
    common (at least two), best first. A challenge ``user`` may not see is never read."""
    own = set(_words(challenge))
    candidates = (
        visible(Challenge, user)
        .exclude(city_id=challenge.city_id)
        .exclude(phase="closed")
        .select_related("city")
        .order_by("-updated_at")[:PEER_CANDIDATES]
    )
    by_city: dict[int, Peer] = {}
    for other in candidates:
        same_area = (
            other.priority_area == challenge.priority_area and other.priority_area != "other"
        )
        shared = sorted(own.intersection(_words(other)))
        if not same_area and len(shared) < 2:
            continue
        peer = by_city.setdefault(other.city_id, Peer(city=other.city))
        peer.challenges.append(other)
        peer.same_area = peer.same_area or same_area
        peer.shared_words = sorted(set(peer.shared_words) | set(shared))[:8]
        peer.score = max(peer.score, (2.0 if same_area else 0.0) + len(shared))
    return sorted(by_city.values(), key=lambda p: (-p.score, p.city.name))[:limit]
