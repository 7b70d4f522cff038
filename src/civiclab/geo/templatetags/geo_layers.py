"""The map page's extra layers, so ``geo/map.html`` needs two tags and its view nothing new:

``{% map_layer_options %}`` inside the filter form (the layer toggles), and
``{% map_layers dataset %}`` after the map (the layers' data for ``map_layers.js``, the table of
hot spots and the links to the analysis pages).
"""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("geo/partials/map_layer_options.html", takes_context=True)
def map_layer_options(context: template.Context) -> dict[str, Any]:
    # Imported here: templates load before the API's routers are registered.
    from civiclab.geo.views.analysis import map_layer_options as options

    return {"options": options(context["request"])}


@register.inclusion_tag("geo/partials/map_layers.html", takes_context=True)
def map_layers(context: template.Context, dataset: Any) -> dict[str, Any]:
    from civiclab.geo.views.analysis import map_layers as layers

    return layers(context["request"], dataset)
