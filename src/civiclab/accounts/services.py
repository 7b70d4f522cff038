"""Writes to a person's own account."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from civiclab.accounts.queries import home_network
from civiclab.audit.services import record

PROFILE_FIELDS = ("full_name", "language")


@transaction.atomic
def update_profile(user: Any, **changes: Any) -> list[str]:
    """Change the user's own profile fields; returns the names of those that changed."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {', '.join(sorted(unknown))}")
    changed = [name for name, value in changes.items() if getattr(user, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(user, name, changes[name])
    user.full_clean(exclude=["password"])
    user.save(update_fields=changed)
    record(user, "user.update", user, network=home_network(user), changed=changed)
    return changed
