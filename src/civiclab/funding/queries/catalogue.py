"""Which opportunities a person sees: Grants.gov's with everyone, a fund entered by hand with
its network (or every network)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from civiclab.core.permissions import scopes_for
from civiclab.core.scoping import actor_for
from civiclab.funding.models import Opportunity


def visible_opportunities(user: Any) -> QuerySet[Opportunity]:
    """Every opportunity without a network (Grants.gov's, and funds entered for every
    network); a fund entered for one network only for the members of that network."""
    networks = scopes_for(actor_for(user)).network_ids
    return Opportunity.objects.filter(Q(network__isnull=True) | Q(network_id__in=networks))
