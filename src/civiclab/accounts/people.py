"""How a person (an owner, an importer) reads in what the API returns: by name to everyone,
with an email address only to their colleagues.

Public objects are read by anonymous visitors and by other cities; a staff member's email
address is not theirs to harvest. Whoever has a role in the city the object belongs to (any
role: viewers too) and the network's admins work with that person and see the address, as
they do in the city's member list. This module is the one place that decides it: every API
schema with a person field answers ``PersonOut`` through :func:`person_for`.
"""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema

from civiclab.core.scoping import actor_for


class PersonOut(Schema):
    name: str = Field(description="Full name, or the part of the email address before the @")
    email: str | None = Field(
        None, description="Only for people with a role in the object's city (and network admins)"
    )


def display_name(user: Any) -> str:
    """The name to show: the full name, else the email's local part (never the whole address)."""
    return (user.full_name or "").strip() or user.email.partition("@")[0]


def may_see_emails(viewer: Any, city: Any) -> bool:
    """Whether ``viewer`` works in ``city`` (any role there, or admin of its network)."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    return actor_for(viewer).role_in_city(city.network_id, city.pk) is not None


def person_for(user: Any, city: Any, context: Any) -> dict[str, Any] | None:
    """``user`` as ``PersonOut`` for the caller of the request in ``context``: an object of
    ``city`` is being answered. ``None`` when there is no such person (e.g. deleted)."""
    if user is None:
        return None
    request = (context or {}).get("request")
    viewer = getattr(request, "auth", None) or getattr(request, "user", None)
    email = user.email if may_see_emails(viewer, city) else None
    return {"name": display_name(user), "email": email}
