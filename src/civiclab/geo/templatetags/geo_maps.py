"""``{% load geo_maps %}{% if dataset|mappable %}…``: may the dataset be shown on a map?"""

from __future__ import annotations

from django import template

from civiclab.datasets.models import Dataset
from civiclab.geo.coordinates import NoLocation, location_columns

register = template.Library()


@register.filter
def mappable(dataset: Dataset) -> bool:
    """True when the current version has latitude and longitude columns or a geometry.

    (Not through ``geo.api``: templates load before the API's routers are registered.)"""
    version = dataset.current_version
    if version is None:
        return False
    try:
        location_columns({c["name"]: c["type"] for c in version.columns})
    except NoLocation:
        return False
    return True
