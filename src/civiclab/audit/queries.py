"""Who reads which audit events: city admins their city's, network admins their network's."""

from __future__ import annotations

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
