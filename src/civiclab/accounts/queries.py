"""Reads about people that the layers below the network need."""

from __future__ import annotations

from typing import Any


def home_network(user: Any) -> Any | None:
    """The network of the user's first membership: where their personal events are logged.
    (Read through the reverse relation the network app declares on the user.)"""
    membership = user.memberships.order_by("created_at").select_related("network").first()
    return membership.network if membership else None
