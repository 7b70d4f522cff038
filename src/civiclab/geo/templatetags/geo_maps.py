"""``{% load geo_maps %}{% if dataset|mappable %}…``: may the dataset be shown on a map?
``{% if indicator|has_area_map:user %}…``: may the indicator be mapped by area?"""

from __future__ import annotations

from typing import Any

from django import template

from civiclab.datasets.models import Dataset
from civiclab.geo.locating import has_locations

register = template.Library()


@register.filter
def mappable(dataset: Dataset) -> bool:
    """True when the current version has latitude and longitude columns, a geometry, or a
    text column of locations.

    (Not through ``geo.api``: templates load before the API's routers are registered.)"""
    return has_locations(dataset)


@register.filter
def has_area_map(indicator: Any, user: Any) -> bool:
    """True when a boundary of the city matches the indicator's breakdown."""
    from civiclab.geo.choropleths import matching_boundary

    return matching_boundary(indicator, user) is not None
