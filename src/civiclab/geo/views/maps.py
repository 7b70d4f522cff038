"""The map page of a dataset: its rows on a Leaflet map, filtered like indicators.

The page works without JavaScript as far as it can: the filter form reloads the page, and
the counts (rows kept, rows without a location) are computed here. ``static/geo/map.js``
then draws the layer from the GeoJSON API for the part of the map in view.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from civiclab.datasets.engine import QueryError
from civiclab.datasets.forms import OP_CHOICES
from civiclab.datasets.queries import column_types
from civiclab.geo.api.maps import parse_filters
from civiclab.geo.layer_errors import layer_error_text
from civiclab.geo.queries import base_layers, city_datasets, dataset_layer, has_locations
from civiclab.geo.spatial.layers import LayerError, LayerRequest

FILTER_ROWS = 3  # filter rows the form offers (column, condition, value)
# The rows' own colours (map.js draws with these and its legend shows them): a dark purple,
# far from the red and blue of hot and cold spots and from the density hexagons' blues, so a
# row is never read as a hot spot (views.analysis holds those colours).
ROW_COLOURS = {"point": "#5b2a86", "cluster": "#5b2a86", "shape": "#5b2a86", "base": "#8a949e"}


def dataset_map(request: HttpRequest, slug: str, dataset_slug: str) -> HttpResponse:
    seen = city_datasets(request.user, slug)
    dataset = next((d for d in seen if d.slug == dataset_slug), None)
    if dataset is None:
        raise Http404("No such dataset.")
    if not has_locations(dataset):
        raise Http404("The dataset has no locations.")
    columns = column_types(dataset.current_version)
    rows = _filter_rows(request)
    texts = [f"{column}|{op}|{value}" for column, op, value in rows if column and op]
    error, summary = None, None
    try:
        filters = parse_filters(texts, columns)
        # Counts only: one row in view is already "more than the limit", so nothing but
        # clusters is built; the browser asks for its own view.
        layer = dataset_layer(dataset, LayerRequest(limit=1, filters=filters))
        summary = layer.geojson()["summary"]
    except LayerError as exc:
        error = layer_error_text(exc)
    except QueryError as exc:
        error = str(exc)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    bases = base_layers(request.user, dataset, seen)
    base = next((d for d in bases if d.slug == request.GET.get("base")), None)
    api = reverse("api:get_dataset_geojson", args=[dataset.city.slug, dataset.slug])
    names = [name for name, kind in columns.items() if kind != "geometry"]
    return render(
        request,
        "geo/map.html",
        {
            "city": dataset.city,
            "dataset": dataset,
            "city_datasets": seen,  # for the layer picker (geo_layers.map_layers)
            "filter_rows": [
                {
                    "column_options": _options([(c, c) for c in names], column),
                    "op_options": _options(OP_CHOICES[1:], op),
                    "value": value,
                }
                for column, op, value in rows
            ],
            "filter_query": "&".join(f"filter={quote(t, safe='')}" for t in texts)
            if not error
            else "",
            "summary": summary,
            "error": error,
            "geojson_url": api,
            "bases": bases,
            "base": base,
            "base_url": (
                reverse("api:get_dataset_geojson", args=[base.city.slug, base.slug]) if base else ""
            ),
            "legend": {
                "cluster": _("Cluster of rows: the number is how many"),
                "point": _("A row"),
                "polygon": _("A row's shape"),
                "base": _("Boundaries"),
                "shown": _("%(in_view)s of %(matched)s rows in view"),
                "more": _("Zoom in to see each row; click a cluster to zoom to it."),
                "loading": _("Loading the map…"),
                "failed": _("The map could not be loaded."),
                "no_location": _("%(count)s rows have no location"),
                "far_outside": _("%(count)s rows far outside the city"),
                "colours": ROW_COLOURS,
            },
        },
    )


def _options(choices: Sequence[tuple[str, Any]], chosen: str) -> SafeString:
    """A select's options, ``chosen`` selected: written here rather than by a template loop,
    which spent ~10 ms on a wide dataset's three column pickers."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if value == chosen else "", label) for value, label in choices),
    )


def _filter_rows(request: HttpRequest) -> list[tuple[str, str, str]]:
    """The form's rows (column, op, value), filled up with empty ones to FILTER_ROWS."""
    found = []
    for i in range(1, FILTER_ROWS + 1):
        column = request.GET.get(f"column{i}", "")
        op = request.GET.get(f"op{i}", "")
        found.append((column, op, request.GET.get(f"value{i}", "")))
    return found
