"""``{% load geo_maps %}{% if dataset|mappable %}…``: may the dataset be shown on a map?
``{% if indicator|has_area_map:user %}…``: may the indicator be mapped by area?"""

from __future__ import annotations

from typing import Any

from django import template

from civiclab.geo.queries import has_locations

register = template.Library()
# True when the current version has latitude and longitude columns, a geometry, or a text
# column of locations: the same function the map page and the analyses ask.
register.filter("mappable", has_locations)


@register.filter
def has_area_map(indicator: Any, user: Any) -> bool:
    """True when a boundary of the city matches the indicator's breakdown."""
    from civiclab.geo.choropleths import matching_boundary

    return matching_boundary(indicator, user) is not None
