"""The one function every domain calls to write the audit log."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from civiclab.audit.models import AuditEvent


def record(
    actor: Any,
    action: str,
    obj: Model | None = None,
    *,
    city: Any = None,
    network: Any = None,
    object_type: str | None = None,
    **details: Any,
) -> AuditEvent:
    """Append one event: ``actor`` (a user, or None for the command line) did ``action`` to ``obj``.

    ``city`` and ``network`` decide who may read the event; they default to the object's own.
    """
    if city is None and obj is not None:
        # A city's own events (its settings changed) are filed under it, so its admins read them.
        city = obj if obj._meta.label_lower == "network.city" else getattr(obj, "city", None)
    if network is None:
        network = getattr(city, "network", None) or getattr(obj, "network", None)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if authenticated else None,
        actor_label=actor.email if authenticated else "command line",
        action=action,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        city=city,
        network=network,
        details=details,
    )
