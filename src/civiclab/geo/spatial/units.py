"""Distances as people write them: 150ft, 50 m, 0.5km, 1mi — always with their unit."""

from __future__ import annotations

import re

METRES_PER = {"m": 1.0, "km": 1000.0, "ft": 0.3048, "mi": 1609.344, "yd": 0.9144}
UNITS = ", ".join(METRES_PER)
_DISTANCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)


def parse_distance(text: str) -> float:
    """The distance in metres. Raises ValueError saying why: a bare number is refused, since
    "150" means feet to one analyst and metres to another."""
    match = _DISTANCE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a distance: write a number and a unit ({UNITS})")
    value, unit = float(match.group(1)), match.group(2).lower()
    if not unit:
        raise ValueError(f"{text!r} has no unit: write it with one of {UNITS} (e.g. 150ft or 45m)")
    if unit not in METRES_PER:
        raise ValueError(f"{text!r} is not a distance: {unit!r} is not a unit; use one of {UNITS}")
    if value <= 0:
        raise ValueError(f"{text!r}: the distance must be more than 0")
    return value * METRES_PER[unit]
