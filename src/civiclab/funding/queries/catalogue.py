"""Which opportunities a person sees: Grants.gov's with everyone, a fund entered by hand with
its network (or every network); the catalogue's import history (network admins)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from civiclab.core.permissions import scopes_for
from civiclab.core.scoping import actor_for
from civiclab.funding.models import CatalogueImport, Opportunity


def visible_opportunities(user: Any) -> QuerySet[Opportunity]:
    """Every opportunity without a network (Grants.gov's, and funds entered for every
    network); a fund entered for one network only for the members of that network."""
    networks = scopes_for(actor_for(user)).network_ids
    return Opportunity.objects.filter(Q(network__isnull=True) | Q(network_id__in=networks))


def imports_for(user: Any) -> QuerySet[CatalogueImport]:
    """The catalogue's import history: network admins only (the catalogue is shared, so any
    network admin sees every import); nobody else sees any. ``None`` is the command line."""
    if user is None or actor_for(user).network_admin_of():
        return CatalogueImport.objects.all()
    return CatalogueImport.objects.none()
