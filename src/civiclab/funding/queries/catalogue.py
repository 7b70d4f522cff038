"""Which opportunities a person sees: Grants.gov's with everyone, a fund entered by hand with
its network (or every network)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from civiclab.core.scoping import actor_for
from civiclab.funding.models import Opportunity


def networks_of(user: Any) -> frozenset[int]:
    """The networks ``user`` belongs to (a membership in one of its cities, or its admin)."""
    return frozenset(grant.network_id for grant in actor_for(user).grants)


def visible_opportunities(user: Any) -> QuerySet[Opportunity]:
    """Every opportunity ``user`` may see: those shared with every network (Grants.gov's, and
    funds entered by hand with no network), and the funds entered for a network ``user``
    belongs to. Anonymous visitors see only the shared ones."""
    shared = Q(network__isnull=True)
    networks = networks_of(user)
    if networks:
        shared |= Q(network_id__in=sorted(networks))
    return Opportunity.objects.filter(shared)
