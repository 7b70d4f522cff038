"""REST route for the map's H3 density layer: a dataset's rows counted per hexagon
(computed by the pure ``geo.spatial.hexagons``)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router

from civiclab.accounts.authentication import AUTH_OR_ANONYMOUS, ApiRequest
from civiclab.core.api import error
from civiclab.datasets.engine import QueryError
from civiclab.geo.api.maps import READ_ERRORS, parse_bbox
from civiclab.geo.queries import datasets_with_data
from civiclab.geo.services import dataset_locations
from civiclab.geo.spatial.coordinates import NoLocation
from civiclab.geo.spatial.hexagons import hexagon_layer, resolution_for_zoom

router = Router(tags=["maps"])


@router.get(
    "/cities/{slug}/datasets/{dataset}/hexagons",
    response={200: dict[str, Any], **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="get_dataset_hexagons",
    openapi_extra={
        "responses": {200: {"content": {"application/geo+json": {"schema": {"type": "object"}}}}}
    },
    summary="A dataset's rows counted per H3 hexagon, as GeoJSON",
    description=(
        "A GeoJSON FeatureCollection of H3 cells (`properties: {cell, count}`) holding at least "
        "one located row, for the cells whose centre is inside `bbox` (`west,south,east,north`). "
        "The resolution is `resolution` when given (0–15), else chosen from `zoom` (7 at zoom "
        "11 or less to 10 at zoom 14 or more). `summary.breaks` are the upper bounds of five "
        "colour classes over every cell of the dataset at that resolution; "
        "`summary.without_location` counts the rows not on the map. Filters are not applied."
    ),
)
def get_dataset_hexagons(
    request: ApiRequest,
    slug: str,
    dataset: str,
    bbox: str | None = Query(None, description="west,south,east,north in degrees"),
    zoom: float | None = Query(None, ge=0, le=22),
    resolution: int | None = Query(None, ge=0, le=15, description="H3 resolution"),
) -> HttpResponse:
    found = get_object_or_404(datasets_with_data(request.auth), city__slug=slug, slug=dataset)
    box = parse_bbox(bbox)
    chosen = resolution if resolution is not None else resolution_for_zoom(zoom)
    try:
        located = dataset_locations(found)
    except NoLocation as exc:
        return error(request, 422, "no_location", str(exc).capitalize() + ".")
    except QueryError as exc:
        return error(request, 422, "query_error", str(exc))
    layer = hexagon_layer(located.lon, located.lat, chosen, box)
    body = json.dumps(layer, separators=(",", ":"), allow_nan=False)
    return HttpResponse(body, content_type="application/geo+json")
