"""Who reads which audit events: city admins their city's, network admins their network's."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from civiclab.audit.models import AuditEvent
from civiclab.core.permissions import Role
from civiclab.core.scoping import actor_for


def visible_events(user: Any) -> QuerySet[AuditEvent]:
    actor = actor_for(user)
    networks = actor.network_admin_of()
    admin_cities = {g.city_id for g in actor.grants if g.role is Role.CITY_ADMIN}
    if not networks and not admin_cities:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(
        Q(network_id__in=networks) | Q(city_id__in=admin_cities)
    ).select_related("city")


def can_read_audit(user: Any, city: Any = None) -> bool:
    actor = actor_for(user)
    if city is None:
        return bool(actor.network_admin_of())
    role = actor.role_in_city(city.network_id, city.pk)
    return role is not None and role.rank >= Role.CITY_ADMIN.rank


def filter_events(
    events: QuerySet[AuditEvent],
    *,
    actor_id: int | None = None,
    verb: str = "",
    kind: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """``events`` narrowed to one person, one verb (``create`` of ``team.create``), one kind of
    object (``team``) and a span of days, both ends included (in the active time zone)."""
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    if verb:
        events = events.filter(action__endswith=f".{verb}")
    if kind:
        events = events.filter(action__startswith=f"{kind}.")
    if since is not None:
        events = events.filter(at__date__gte=since)
    if until is not None:
        events = events.filter(at__date__lte=until)
    return events


def actor_ids(events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent, Any]:
    """The ids of the people who did something in ``events`` (as a subquery, for a filter)."""
    return events.order_by().filter(actor_id__isnull=False).values("actor_id").distinct()
