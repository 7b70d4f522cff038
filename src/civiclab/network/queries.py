"""Scoped reads of the network: what a given user may see of cities, teams and memberships."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civiclab.accounts.people import display_name
from civiclab.audit.labels import action_label, kind_label
from civiclab.audit.links import integer_ids, links_for
from civiclab.audit.models import AuditEvent
from civiclab.audit.queries import actor_ids, visible_events
from civiclab.core.permissions import ADMIN_POLICY, Policy, Role, Visibility, scopes_for
from civiclab.core.scoping import ScopeFields, actor_for, scope_filter
from civiclab.network.models import City, Cohort, Membership, Network, Team

CITY_FIELDS = ScopeFields(network="network_id", city="id", team=None, visibility="visibility")
TEAM_FIELDS = ScopeFields(
    network="city__network_id", city="city_id", team="id", visibility="visibility"
)
# Membership lists are the city's business: they read as city-visibility objects.
MEMBERSHIP_FIELDS = ScopeFields(
    network="network_id", city="city_id", team=None, visibility="visibility"
)
MEMBERSHIP_POLICY = ADMIN_POLICY
CITY_POLICY = Policy(create=Role.NETWORK_ADMIN, edit=Role.CITY_ADMIN, delete=Role.NETWORK_ADMIN)
TEAM_POLICY = ADMIN_POLICY


def visible_cities(user: Any) -> QuerySet[City]:
    scopes = scopes_for(actor_for(user))
    return City.objects.filter(scope_filter(scopes, CITY_FIELDS)).select_related("network")


def visible_teams(user: Any) -> QuerySet[Team]:
    scopes = scopes_for(actor_for(user))
    return Team.objects.filter(scope_filter(scopes, TEAM_FIELDS)).select_related(
        "city", "city__network"
    )


def visible_memberships(user: Any) -> QuerySet[Membership]:
    """Members of the user's own cities, the user's own memberships, all for network admins."""
    actor = actor_for(user)
    if not actor.authenticated:
        return Membership.objects.none()
    scopes = scopes_for(actor)
    return Membership.objects.filter(
        Q(user_id=actor.user_id)
        | Q(city_id__in=scopes.city_ids)
        | Q(network_id__in=scopes.all_in_networks)
    ).select_related("user", "city", "team", "network")


def visible_networks(user: Any) -> QuerySet[Network]:
    """Networks the user belongs to, or that have a public city."""
    scopes = scopes_for(actor_for(user))
    return Network.objects.filter(
        Q(id__in=scopes.network_ids) | Q(cities__visibility=Visibility.PUBLIC)
    ).distinct()


def visible_cohorts(user: Any) -> QuerySet[Cohort]:
    return Cohort.objects.filter(network__in=visible_networks(user)).prefetch_related("cities")


# --- The audit log page -------------------------------------------------------------------

# The most rows one CSV export of the audit log holds; past it the reader narrows the filters.
AUDIT_EXPORT_MAX_ROWS = 50_000


def audit_events(user: Any, city: City | None) -> QuerySet[AuditEvent]:
    """The events ``user`` may read: one city's, or all of theirs (``city`` None)."""
    events = visible_events(user).select_related("actor", "city")
    return events.filter(city=city) if city is not None else events


def audit_people(user: Any, events: QuerySet[AuditEvent]) -> list[tuple[int, str]]:
    """The people who did something in ``events``, by name (never an address), for a filter."""
    people = get_user_model().objects.filter(pk__in=actor_ids(events)).order_by("full_name", "pk")
    return sorted(((p.pk, display_name(p)) for p in people), key=lambda p: p[1].casefold())


def actor_name(event: AuditEvent) -> str:
    """Who did it, by name: the person's name, else the part of the recorded address before
    the @ (the person was deleted), or "Command line"."""
    if event.actor is not None:
        return display_name(event.actor)
    if not event.actor_label or event.actor_label == "command line":
        return str(_("Command line"))
    return event.actor_label.partition("@")[0]


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    who: str
    action: str
    kind: str
    object: str
    city: str
    url: str | None


def audit_rows(user: Any, events: Iterable[AuditEvent]) -> list[AuditRow]:
    """``events`` as the log shows them: names, words in the reader's language, and a link to
    the object when it still exists and ``user`` may see it (one query per kind, not per row)."""
    events = list(events)
    links = links_for(user, events)
    return [
        AuditRow(
            at=e.at,
            who=actor_name(e),
            action=action_label(e.action),
            kind=kind_label(e.action),
            object=e.object_repr,
            city=e.city.name if e.city is not None else "",
            url=links.get((e.object_type, e.object_id)),
        )
        for e in events
    ]


def city_links(user: Any, ids: list[str]) -> dict[str, str]:
    cities = visible_cities(user).filter(pk__in=integer_ids(ids))
    return {str(c.pk): reverse("network:city", args=[c.slug]) for c in cities}


def team_links(user: Any, ids: list[str]) -> dict[str, str]:
    teams = visible_teams(user).filter(pk__in=integer_ids(ids))
    return {str(t.pk): reverse("network:team", args=[t.city.slug, t.slug]) for t in teams}
