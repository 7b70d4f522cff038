"""nudges: this area's part of the demo story."""

from __future__ import annotations


def seed() -> list[str]:
    return []
