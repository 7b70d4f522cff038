"""Distances as people write them: 150ft, 50 m, 0.5km, 1mi."""

from __future__ import annotations

import re

METRES_PER = {"m": 1.0, "km": 1000.0, "ft": 0.3048, "mi": 1609.344, "yd": 0.9144}
_DISTANCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|km|ft|mi|yd)?\s*$", re.IGNORECASE)


def parse_distance(text: str) -> float:
    """The distance in metres; a bare number is metres. Raises ValueError saying why."""
    match = _DISTANCE.match(text)
    if not match:
        units = ", ".join(METRES_PER)
        raise ValueError(f"{text!r} is not a distance: write a number and a unit ({units})")
    value = float(match.group(1))
    if value <= 0:
        raise ValueError(f"{text!r}: the distance must be more than 0")
    return value * METRES_PER[(match.group(2) or "m").lower()]
