"""REST route for maps: a dataset's rows as GeoJSON for the part of the map in view.

The dataset is found through ``visible_datasets``, so one the caller may not see is a 404
like everywhere else. The page (``geo.views.maps``) reads the same layer through
``geo.queries.dataset_layer`` and parses its filters with :func:`parse_filters`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from civiclab.accounts.authentication import AUTH_OR_ANONYMOUS, ApiRequest
from civiclab.core.api import READ_ERRORS, error
from civiclab.datasets.engine import QueryError
from civiclab.datasets.filters.language import OPS, Filter, filter_value
from civiclab.datasets.queries import column_types, visible_datasets
from civiclab.geo.layer_errors import layer_error_text
from civiclab.geo.queries import dataset_layer
from civiclab.geo.spatial.coordinates import NoLocation
from civiclab.geo.spatial.layers import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    BBox,
    LayerError,
    LayerRequest,
    make_filter,
)

router = Router(tags=["maps"])


def parse_filters(texts: Iterable[str], columns: dict[str, str]) -> list[Filter]:
    """``column|op|value`` texts as filters; lists (in, not in, between) are comma-separated
    values, typed like the column as in the indicator builder."""
    filters = []
    for text in texts:
        column, _, rest = text.partition("|")
        op, _, value = rest.partition("|")
        if op not in OPS:
            raise ValidationError(
                {"filter": f"{text!r} is not `column|op|value` with op one of {', '.join(OPS)}."}
            )
        try:
            filters.append(make_filter(column, op, filter_value(op, value, columns.get(column))))
        except LayerError as exc:
            raise ValidationError({"filter": layer_error_text(exc)}) from None
    return filters


class LayerSummary(Schema):
    matched: int
    without_location: int
    in_view: int
    clustered: bool
    bounds: list[float] | None
    kinds: list[str]
    far_outside: int
    far_radius_m: float | None


class FeatureCollectionOut(Schema):
    type: str = "FeatureCollection"
    features: list[dict[str, Any]]
    summary: LayerSummary


GEOJSON_DESCRIPTION = f"""\
A GeoJSON FeatureCollection (EPSG:4326) of the dataset's rows inside `bbox`, for a map at
`zoom`. When more than `limit` located rows are inside it, the features are clusters
(`properties: {{"cluster": true, "count": n}}`), one per cell of about 64 screen pixels;
otherwise each row is a feature with its columns as properties (geometry columns left out),
lines and polygons simplified to about half a pixel at `zoom`.

`summary` counts the rows the filters keep (`matched`), those without a location
(`without_location`), those inside the box (`in_view`) and those far outside the city
(`far_outside`: farther than `far_radius_m` metres from the median point of the dataset's
rows — placeholder coordinates and the like; they are drawn all the same), and gives the
`bounds` of the located rows that are not far outside.

A dataset is located by latitude and longitude columns, a geometry column, or a text column
of locations such as `(39.2904, -76.6122)` or `POINT (-76.6122 39.2904)`.

- `bbox`: `west,south,east,north` in degrees; default the whole world.
- `zoom`: the map's zoom (0–22); default one that shows `bbox` about 1,000 pixels wide.
- `limit`: most rows returned one by one (default {DEFAULT_LIMIT:,}, at most {MAX_LIMIT:,}).
- `filter`: `column|op|value`, repeatable, all must match; `op` is one of
  `=`, `!=`, `in`, `not in`, `between`, `is null`, `is not null`, `contains` (as in
  indicators). For `in`, `not in` and `between`, separate values with commas; `is null` and
  `is not null` take no value (`filter=Closed Date|is null|`).
"""


@router.get(
    "/cities/{slug}/datasets/{dataset}/geojson",
    response={200: FeatureCollectionOut, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="get_dataset_geojson",
    openapi_extra={
        "responses": {200: {"content": {"application/geo+json": {"schema": {"type": "object"}}}}}
    },
    summary="A dataset's rows as GeoJSON for a map: clustered when many",
    description=GEOJSON_DESCRIPTION,
)
def get_dataset_geojson(
    request: ApiRequest,
    slug: str,
    dataset: str,
    bbox: str | None = Query(None, description="west,south,east,north in degrees"),
    zoom: float | None = Query(None, ge=0, le=22),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    filter: list[str] = Query([], description="`column|op|value`, repeatable"),  # noqa: B008
) -> HttpResponse:
    found = get_object_or_404(visible_datasets(request.auth), city__slug=slug, slug=dataset)
    filters = parse_filters(filter, column_types(found.current_version))
    layer_request = LayerRequest(bbox=parse_bbox(bbox), zoom=zoom, limit=limit, filters=filters)
    try:
        layer = dataset_layer(found, layer_request)
    except NoLocation as exc:
        return error(request, 422, "no_location", str(exc).capitalize() + ".")
    except LayerError as exc:
        return error(request, 422, "validation_error", layer_error_text(exc))
    except QueryError as exc:
        return error(request, 422, "query_error", str(exc))
    body = json.dumps(layer.geojson(), separators=(",", ":"), allow_nan=False)
    return HttpResponse(body, content_type="application/geo+json")


def parse_bbox(text: str | None) -> BBox | None:
    if not text:
        return None
    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 4:
        raise ValidationError({"bbox": "Give west,south,east,north as four numbers."})
    west, south, east, north = values
    return (west, south, east, north)
