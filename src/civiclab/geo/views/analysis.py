"""Spatial analysis in the browser: the proximity question, the choropleth of an indicator by
area, and the extra layers of a dataset's map (boundaries, H3 density, hotspots).

Thin like every view: the numbers come from ``geo.services`` and
``indicators.services.report``, the same functions the CLI and the API call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from civiclab.datasets.engine import QueryError
from civiclab.datasets.ingest.columns import quote_ident
from civiclab.datasets.ingest.report import IngestError
from civiclab.datasets.ingest_text import error_message
from civiclab.datasets.models import Dataset
from civiclab.datasets.queries import version_query
from civiclab.datasets.services import NameTaken
from civiclab.datasets.views.datasets import may_import
from civiclab.geo.forms import MapLayersForm, ProximityForm
from civiclab.geo.models import Boundary
from civiclab.geo.queries import (
    area_mapped_indicators,
    base_layers_of,
    boundaries_of,
    mappable_datasets,
)
from civiclab.geo.services import (
    WiderThanSource,
    hotspot_report,
    proximity_between,
    save_matches,
)
from civiclab.geo.spatial.classes import class_of, quantile_breaks
from civiclab.geo.spatial.coordinates import NoLocation
from civiclab.geo.spatial.hexagons import cell_polygon
from civiclab.indicators.engine.spec import parse_spec
from civiclab.indicators.models import Indicator
from civiclab.indicators.queries import visible_indicators
from civiclab.indicators.services import report
from civiclab.lazy_modules import lazy_module
from civiclab.network.queries import visible_cities

if TYPE_CHECKING:
    from civiclab.geo.spatial import hotspot_cells
else:
    # h3 and shapely come with it: imported when a hot-spot page is first drawn.
    hotspot_cells = lazy_module("civiclab.geo.spatial.hotspot_cells")

# Colour-blind-safe palettes (ColorBrewer's, marked safe for the common colour-vision
# deficiencies): OrRd (5 classes) for an indicator's values; YlGn for the density hexagons, a
# hue apart from hot and cold; the ends of RdBu for hot and cold spots. Hot and cold are told
# apart without colour as well: hot cells have a solid outline and a ▲, cold ones a dashed
# outline and a ▼ (map_layers.js draws them, its legend shows the same).
VALUE_COLOURS = ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"]
HEXAGON_COLOURS = ["#ffffcc", "#c2e699", "#78c679", "#31a354", "#006837"]
SPOT_COLOURS = {"hot": "#b2182b", "cold": "#2166ac"}
SPOT_MARKS = {"hot": "▲", "cold": "▼"}


# --- Proximity ------------------------------------------------------------------------------


def proximity_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Ask how many rows of one dataset lie within a distance of another's; save them."""
    city = get_object_or_404(visible_cities(request.user), slug=slug)
    candidates = {d.slug: d for d in mappable_datasets(request.user, city)}
    choices = [(s, d.name) for s, d in candidates.items()]
    initial = {"origin": request.GET.get("from"), "near": request.GET.get("near")}
    form = ProximityForm(
        request.POST if request.method == "POST" else None, datasets=choices, initial=initial
    )
    result, saved, save_error, status = None, None, None, 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        origin, near = candidates[data["origin"]], candidates[data["near"]]
        try:
            answer = proximity_between(origin, near, data["distance_m"], data["method"])
        except (NoLocation, QueryError) as exc:
            form.add_error("origin", str(exc))
        else:
            result = answer.as_dict()
            if data["save_as"]:
                try:
                    version = save_matches(
                        request.user, answer, data["save_as"], add_version=data["add_version"]
                    )
                except NameTaken as exc:
                    status = 409
                    save_error = _(
                        "The rows were counted but not saved: a dataset called “%(name)s” "
                        "already exists (visible to: %(visibility)s). Tick “Add a new version "
                        "of the existing dataset” to replace its rows, or choose another name."
                    ) % {
                        "name": exc.dataset.name,
                        "visibility": exc.dataset.get_visibility_display(),
                    }
                except WiderThanSource as exc:
                    status = 409
                    save_error = _(
                        "The rows were counted but not saved: “%(target)s” is visible to: "
                        "%(wide)s, wider than “%(source)s” (visible to: %(narrow)s) whose data "
                        "it would get. Rows derived from a dataset are never shared wider than "
                        "it: choose another name."
                    ) % {
                        "target": exc.target.name,
                        "wide": exc.target.get_visibility_display(),
                        "source": exc.source.name,
                        "narrow": exc.source.get_visibility_display(),
                    }
                except PermissionDenied:
                    status = 403
                    save_error = _(
                        "The rows were counted but not saved: saving a dataset in %(city)s "
                        "needs the right to import data there, and adding a version to a "
                        "dataset shared beyond the city needs a city admin."
                    ) % {"city": city.name}
                except (IngestError, ValidationError, ValueError) as exc:
                    reason = (
                        error_message(exc)
                        if isinstance(exc, IngestError)
                        else " ".join(getattr(exc, "messages", [str(exc)]))
                    )
                    save_error = _("The rows could not be saved: %(reason)s") % {"reason": reason}
                else:
                    saved = version.dataset
                    result["saved"] = {"dataset": saved.slug, "version": version.number}
    return render(
        request,
        "geo/proximity.html",
        {
            "city": city,
            "form": form,
            "datasets": candidates,
            "result": result,
            "origin": candidates.get(form.data.get("origin", "")) if result else None,
            "near": candidates.get(form.data.get("near", "")) if result else None,
            "saved": saved,
            "save_error": save_error,
            "may_save": may_import(request.user, city),
        },
        status=status,
    )


# --- Choropleth -----------------------------------------------------------------------------


def choropleth(request: HttpRequest, slug: str, indicator_slug: str) -> HttpResponse:
    """The latest period of an indicator broken down by area, as a map of the areas."""
    indicator = _indicator_or_404(request, slug, indicator_slug)
    spec = parse_spec(indicator.spec)
    column = spec.breakdown[0] if isinstance(spec.breakdown, list) else spec.breakdown
    if isinstance(spec.breakdown, list) and len(spec.breakdown) != 1:
        column = None
    result = report(indicator)
    latest, values = _latest_values(result["series"]["breakdown"])
    boundary, labels = _matching_boundary(indicator, request.user, set(values))
    breaks = quantile_breaks(
        [v["value"] for v in values.values() if v["value"] is not None], len(VALUE_COLOURS)
    )
    areas = []
    for label, v in sorted(values.items(), key=lambda item: item[0]):
        cls = class_of(v["value"], breaks)
        areas.append({"label": label, **v, "on_map": label in labels, "class": cls})
    legend = [
        {"colour": VALUE_COLOURS[i], "low": breaks[i - 1] if i else None, "high": high}
        for i, high in enumerate(breaks)
    ]
    layer = None
    if boundary is not None:
        layer = {
            "url": reverse("api:get_dataset_geojson", args=[slug, boundary.dataset.slug]),
            "label": boundary.label_column,
            "colours": VALUE_COLOURS,
            "values": {a["label"]: {"value": a["value"], "class": a["class"]} for a in areas},
            "no_value": _("No value"),
        }
    return render(
        request,
        "geo/choropleth.html",
        {
            "city": indicator.city,
            "indicator": indicator,
            "column": column,
            "period": latest,
            "areas": areas,
            "unmatched": [a["label"] for a in areas if not a["on_map"]],
            "boundary": boundary,
            "legend": legend,
            "layer": layer,
            "error": result["error"],
        },
    )


def _indicator_or_404(request: HttpRequest, slug: str, indicator_slug: str) -> Indicator:
    # visible_indicators holds only indicators whose dataset the user may see too.
    indicator: Indicator = get_object_or_404(
        visible_indicators(request.user), city__slug=slug, slug=indicator_slug
    )
    return indicator


def _latest_values(points: list[dict[str, Any]]) -> tuple[str | None, dict[str, dict[str, Any]]]:
    """The latest period of a breakdown series and each group's value and rows in it."""
    dated = [p for p in points if p["group"] is not None]
    if not dated:
        return None, {}
    latest = max(dated, key=lambda p: (p["start"] or "", str(p["period"])))
    period = latest["period"]
    return str(period), {
        str(p["group"]): {"value": p["value"], "n": p["n"]} for p in dated if p["period"] == period
    }


def _matching_boundary(
    indicator: Indicator, user: Any, groups: set[str]
) -> tuple[Boundary | None, set[str]]:
    """The city's boundary whose area labels match most of the breakdown's groups."""
    best: tuple[Boundary | None, set[str]] = (None, set())
    for boundary in boundaries_of(indicator.city, user):
        labels = area_labels(boundary)
        if len(labels & groups) > len(best[1] & groups):
            best = (boundary, labels)
    return best


def area_labels(boundary: Boundary) -> set[str]:
    """The distinct labels of a boundary's areas."""
    version = boundary.dataset.current_version
    if version is None:
        return set()
    try:
        with version_query(version, "areas") as query:
            table = query.execute_arrow(
                f"SELECT DISTINCT CAST({quote_ident(boundary.label_column)} AS VARCHAR) AS label "
                'FROM "areas"'
            )
    except QueryError:
        return set()
    return {str(v) for v in table.column("label").to_pylist() if v is not None}


# --- The map page's extra layers (rendered by the ``geo_layers`` template tags) -------------


def map_layer_options(request: HttpRequest) -> dict[str, Any]:
    """The layer choices of the query string; bad values fall back to the defaults."""
    form = MapLayersForm(request.GET)
    if form.is_valid():
        return {"form": form, **form.cleaned_data}
    return {"form": MapLayersForm(), "hexagons": False, "hotspots": False,
            "resolution": 9, "fdr": 0.05, "keep_far_outside": False}  # fmt: skip


def map_layers(
    request: HttpRequest, dataset: Dataset, seen: list[Dataset] | None = None
) -> dict[str, Any]:
    """Boundaries, the density and hotspot layers, and links to the analysis pages.
    ``seen``: the city's datasets the reader may see, when the page has read them."""
    options = map_layer_options(request)
    city = dataset.city
    seen_boundaries = boundaries_of(city, request.user, seen)
    boundaries = [
        {
            "name": b.dataset.name,
            "label": b.label_column,
            "url": reverse("api:get_dataset_geojson", args=[city.slug, b.dataset.slug]),
        }
        for b in seen_boundaries
        if b.dataset_id != dataset.pk
    ]
    # The shapes the city marked to draw under every map (streets, parcels), those the
    # reader may see only.
    base_layers = [
        {
            "name": b.dataset.name,
            "url": reverse("api:get_dataset_geojson", args=[city.slug, b.dataset.slug]),
        }
        for b in base_layers_of(city, request.user, seen)
        if b.dataset_id != dataset.pk
    ]
    spots, spots_geojson, spots_error = None, None, None
    if options["hotspots"]:
        try:
            spots = hotspot_report(
                dataset, options["resolution"], options["fdr"], options["keep_far_outside"],
                seen_boundaries,
            )  # fmt: skip
        except (NoLocation, QueryError, ValueError) as exc:
            spots_error = str(exc)
        else:
            spots_geojson = _spots_geojson(spots["hotspots"])
    found = spots["hotspots"] if spots else []
    # "Map by area" only where a boundary matches the breakdown: nothing to colour otherwise.
    choropleths = area_mapped_indicators(request.user, dataset, seen_boundaries)
    return {
        "city": city,
        "dataset": dataset,
        "options": options,
        "spots": spots,
        "marks": SPOT_MARKS,
        "hot": [s for s in found if s["kind"] == "hot"],  # hottest first
        "cold": [s for s in found if s["kind"] == "cold"],  # coldest first
        "areas": hotspot_cells.area_summary(found),
        "hot_without_rows": any(s["kind"] == "hot" and not s["count"] for s in found),
        "spots_error": spots_error,
        "choropleths": choropleths,
        "data": {
            "boundaries": boundaries,
            "base_layers": base_layers,
            "hexagons": reverse("api:get_dataset_hexagons", args=[city.slug, dataset.slug])
            if options["hexagons"]
            else "",
            "hexagon_colours": HEXAGON_COLOURS,
            "hotspots": spots_geojson,
            "spot_colours": SPOT_COLOURS,
            "spot_marks": SPOT_MARKS,
            "texts": {
                "hexagons": _("Rows per hexagon"),
                "resolution": _("H3 resolution %(resolution)s"),
                "hot": _("Hot spot: more rows than chance would put there"),
                "cold": _("Cold spot: fewer rows than chance would put there"),
                "rows": _("Rows"),
                "boundaries": _("Areas"),
                "base_layers": _("Base layers"),
                "base_zoom_in": _("zoom in to see it"),
            },
        },
    }


def _spots_geojson(spots: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": cell_polygon(s["cell"]), "properties": s} for s in spots
        ],
    }
