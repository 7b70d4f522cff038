"""The map pages' tags, so ``geo/map.html`` needs three tags and its view nothing new:

``{% map_tiles %}`` on the map element (the base map's tile server, also on the choropleth),
``{% map_layer_options %}`` inside the filter form (the layer toggles), and
``{% map_layers dataset %}`` in the side panel (the layers' data for ``map_layers.js``, the
tables of hot spots and the links to the analysis pages).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def map_tiles() -> SafeString:
    """The map element's base-map attributes (``static/geo/base_map.js`` reads them): the tile
    URL template (empty: no tiles), its credit and the deepest zoom it has."""
    return format_html(
        'data-tiles="{}" data-attribution="{}" data-max-zoom="{}"',
        settings.MAP_TILE_URL,
        settings.MAP_TILE_ATTRIBUTION,
        settings.MAP_TILE_MAX_ZOOM,
    )


@register.inclusion_tag("geo/partials/map_layer_options.html", takes_context=True)
def map_layer_options(context: template.Context) -> dict[str, Any]:
    # Imported here: templates load before the API's routers are registered.
    from civiclab.geo.views.analysis import map_layer_options as options

    return {"options": options(context["request"])}


@register.inclusion_tag("geo/partials/map_layers.html", takes_context=True)
def map_layers(context: template.Context, dataset: Any) -> dict[str, Any]:
    from civiclab.geo.views.analysis import map_layers as layers

    return layers(context["request"], dataset, context.get("city_datasets"))
