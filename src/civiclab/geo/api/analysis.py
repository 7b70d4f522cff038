"""Spatial analysis in the API: proximity, areas (point in polygon) and hotspots, the same
computations as ``civiclab geo`` with the same numbers."""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from civiclab.accounts.authentication import AUTH_OR_ANONYMOUS, ApiRequest
from civiclab.core.api import ERRORS
from civiclab.core.schemas import InputSchema
from civiclab.datasets.models import Dataset
from civiclab.geo.queries import boundaries_of, datasets_with_data
from civiclab.geo.services import (
    assign_areas_to,
    hotspot_report,
    proximity_between,
    save_matches,
)
from civiclab.geo.spatial.coordinates import NoLocation
from civiclab.geo.spatial.units import parse_distance

router = Router(tags=["geo"])
GEO = "/cities/{slug}/geo"


class ProximityIn(InputSchema):
    origin: str = Field(alias="from", description="Slug of the dataset whose rows are counted")
    near: str = Field(description="Slug of the dataset they must be near")
    distance: str = Field(description="A distance with its unit: 150ft, 50m, 0.5km, 1mi")
    method: Literal["shapes", "points"] = Field(
        "shapes",
        description="`shapes`: between the rows' shapes, edge to edge (parcels, buildings); "
        "`points`: between one point per row (a point inside each shape)",
    )
    save: str | None = Field(None, description="Save the matching rows as this dataset")
    every_row: bool = Field(
        False,
        description="With `save`: keep every row, with its distance to the nearest and `within`",
    )
    add_version: bool = Field(
        False,
        description="With `save`: confirm adding a new version to the existing dataset of "
        "that name; without it an existing name is a `name_taken` error",
    )


class SavedOut(Schema):
    dataset: str
    version: int


class ProximityOut(Schema):
    origin: str = Field(alias="from")
    near: str
    distance_m: float
    method: str = Field(
        description="What was measured: `shapes` (edge to edge; when either side has lines "
        "or polygons) or `points`"
    )
    count: int = Field(description="Rows of `from` within the distance of a row of `near`")
    total: int = Field(description="Rows of `from` with a location")
    from_without_location: int
    near_without_location: int
    from_far_outside: int = Field(
        description="Rows of `from` far outside the city (counted in `total` all the same)"
    )
    near_far_outside: int
    from_located_by: str
    near_located_by: str
    projection: str
    saved: SavedOut | None = None


class AssignIn(InputSchema):
    points: str = Field(description="Slug of the dataset whose rows get the area's name")
    areas: str = Field(description="Slug of a dataset of polygons")
    column: str = Field(min_length=1, max_length=100, description="Name of the new column")
    label: str | None = Field(None, description="Column of the areas naming each")


class AssignOut(Schema):
    points: str
    areas: str
    column: str
    inside: int
    outside: int
    without_location: int
    ambiguous: int
    repaired_areas: int
    unusable_areas: int
    version: int | None


class HotspotOut(Schema):
    cell: str = Field(description="H3 cell id")
    kind: str = Field(description="hot or cold")
    area: str | None = Field(
        description="The areas of the city's boundaries holding the cell's centre (· between)"
    )
    centre: list[float] = Field(description="The cell's centre: latitude, longitude")
    label: str = Field(description="The area and the centre, for people")
    count: int = Field(description="Rows in the cell")
    rows_around: int = Field(
        description="Rows in the cell and its six neighbours: what Gi* weighs, so a cell "
        "with no row of its own can be hot"
    )
    z: float
    q: float = Field(description="Benjamini–Hochberg adjusted p-value")


class HotspotsOut(Schema):
    dataset: str
    resolution: int
    fdr: float
    cells: int
    rows: int = Field(description="Located rows in the study area")
    without_location: int
    far_outside: int = Field(
        description="Rows farther than `far_radius_m` from the median point of the rows"
    )
    far_outside_kept: bool
    far_radius_m: float | None
    hotspots: list[HotspotOut] = Field(description="Hottest first, then coldest")


class HotspotsQuery(Schema):
    dataset: str
    resolution: int = Field(9, ge=0, le=15, description="H3 resolution")
    fdr: float = Field(0.05, gt=0, lt=1, description="False discovery rate")
    keep_far_outside: bool = Field(
        False, description="Keep the rows far outside the city in the study area"
    )


def _dataset(request: ApiRequest, slug: str, dataset: str) -> Dataset:
    found: Dataset = get_object_or_404(
        datasets_with_data(request.auth), city__slug=slug, slug=dataset
    )
    return found


@router.post(
    f"{GEO}/proximity",
    response={200: ProximityOut, **ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="geo_proximity",
    by_alias=True,
    summary="Rows of one dataset within a distance of any row of another",
    description=(
        "Distances are metric (the data's UTM zone). Rows without a location are counted in "
        "`from_without_location` / `near_without_location`, never dropped silently. With "
        "`save`, the matching rows and their `distance_m` become a new dataset (which needs "
        "the right to import in the city), visible like the narrower of `from` and `near`; "
        "an existing name needs `add_version` and may not be shared wider than that."
    ),
)
def geo_proximity(request: ApiRequest, slug: str, payload: ProximityIn) -> dict[str, Any]:
    try:
        distance = parse_distance(payload.distance)
    except ValueError as exc:
        raise ValidationError({"distance": str(exc)}) from None
    origin, near = _dataset(request, slug, payload.origin), _dataset(request, slug, payload.near)
    try:
        answer = proximity_between(origin, near, distance, payload.method)
    except NoLocation as exc:
        raise ValidationError({"from": str(exc)}) from None
    result = answer.as_dict()
    if payload.save:
        version = save_matches(
            request.auth,
            answer,
            payload.save,
            every_row=payload.every_row,
            add_version=payload.add_version,
        )
        result["saved"] = {"dataset": version.dataset.slug, "version": version.number}
    return result


@router.post(
    f"{GEO}/assign",
    response={200: AssignOut, **ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="geo_assign",
    summary="Add a column naming the area each row lies in (point in polygon)",
    description=(
        "Makes a new version of `points` with `column`: the label of the area of `areas` "
        "that contains each row; usable as an indicator breakdown or equity dimension."
    ),
)
def geo_assign(request: ApiRequest, slug: str, payload: AssignIn) -> dict[str, Any]:
    points = _dataset(request, slug, payload.points)
    areas = _dataset(request, slug, payload.areas)
    try:
        return assign_areas_to(request.auth, points, areas, payload.column, payload.label).as_dict()
    except NoLocation as exc:
        raise ValidationError({"points": str(exc)}) from None
    except ValueError as exc:
        raise ValidationError({"areas": str(exc)}) from None


@router.get(
    f"{GEO}/hotspots",
    response={200: HotspotsOut, **ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="geo_hotspots",
    summary="Hot and cold spots of a dataset's rows (Getis–Ord Gi* on H3 cells, FDR-corrected)",
    description=(
        "Rows far outside the city (`far_outside`, see `far_radius_m`) are counted and left "
        "out of the study area unless `keep_far_outside`. Each cell is named by the areas of "
        "the city's boundaries its centre lies in."
    ),
)
def geo_hotspots(request: ApiRequest, slug: str, query: Query[HotspotsQuery]) -> dict[str, Any]:
    dataset = _dataset(request, slug, query.dataset)
    try:
        return hotspot_report(
            dataset,
            query.resolution,
            query.fdr,
            query.keep_far_outside,
            boundaries_of(dataset.city, request.auth),
        )
    except NoLocation as exc:
        raise ValidationError({"dataset": str(exc)}) from None
