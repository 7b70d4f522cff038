"""Spatial questions over a city's datasets: proximity between two datasets, saved as a new
dataset when asked. Reads go through the one door to city data (``datasets.queries``); a saved
result is imported with its types (``datasets.services.import_table``), so it is versioned and
usable by indicators and maps like any upload."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from civiclab.audit.services import record
from civiclab.datasets import services as datasets
from civiclab.datasets.engine import CityQuery
from civiclab.datasets.ingest.columns import quote_ident
from civiclab.datasets.models import Dataset, DatasetVersion
from civiclab.datasets.queries import column_types, version_query, visible_datasets
from civiclab.geo.models import BaseLayer, Boundary
from civiclab.geo.spatial.coordinates import Locations, find_location, read_locations
from civiclab.lazy_modules import lazy_module
from civiclab.network.queries import CITY_FIELDS

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa
    import shapely

    from civiclab.geo.spatial.areas import Assignment
    from civiclab.geo.spatial.proximity import Proximity
    from civiclab.geo.spatial.proximity_shapes import ShapeProximity
else:
    np = lazy_module("numpy")
    pa = lazy_module("pyarrow")
    shapely = lazy_module("shapely")

DISTANCE_COLUMN = "distance_m"
WITHIN_COLUMN = "within"
MEASURED = {
    "shapes": "between the shapes, edge to edge",
    "points": "between one point per row (a point inside each shape)",
}


def _query(dataset: Dataset) -> CityQuery:
    assert dataset.current_version is not None
    return version_query(dataset.current_version, dataset.slug)


def dataset_locations(dataset: Dataset) -> Locations:
    with _query(dataset) as query:
        return read_locations(
            dataset.slug, column_types(dataset.current_version), query.execute_arrow
        )


@dataclass(frozen=True)
class ProximityAnswer:
    origin: Dataset
    near: Dataset
    result: Proximity | ShapeProximity
    origin_locations: Locations
    near_locations: Locations
    method: str = "points"  # what was measured: "shapes" (edge to edge) or "points"

    @property
    def measured(self) -> str:
        """The method in words, for descriptions and the command line."""
        return MEASURED[self.method]

    def as_dict(self) -> dict[str, Any]:
        r = self.result
        return {
            "from": self.origin.slug,
            "near": self.near.slug,
            "distance_m": round(r.distance_m, 3),
            "method": self.method,
            "count": r.count,
            "total": r.total,
            "from_without_location": r.a_without_coordinates,
            "near_without_location": r.b_without_coordinates,
            # Counted, not left out: a distance question is answered for every located row.
            "from_far_outside": self.origin_locations.far_outside,
            "near_far_outside": self.near_locations.far_outside,
            "from_located_by": self.origin_locations.source,
            "near_located_by": self.near_locations.source,
            "projection": f"EPSG:{r.epsg}",
        }


def proximity_between(
    origin: Dataset, near: Dataset, distance_m: float, method: str = "shapes"
) -> ProximityAnswer:
    """Rows of ``origin`` within ``distance_m`` metres of any row of ``near``: between their
    shapes, edge to edge, when either has lines or polygons (``method`` "shapes", the
    default), or between one point per row (inside each shape) with ``method`` "points"."""
    # scipy and pyproj (seconds to import) load when a proximity is measured, not at start-up.
    from civiclab.geo.spatial.proximity import proximity
    from civiclab.geo.spatial.proximity_shapes import shape_proximity

    if method not in MEASURED:
        raise ValueError(f"unknown method {method!r}: use {' or '.join(MEASURED)}")
    a, b = dataset_locations(origin), dataset_locations(near)
    if method == "shapes" and (a.shapes or b.shapes):
        shapes = shape_proximity(_shapes(origin, a), _shapes(near, b), distance_m)
        return ProximityAnswer(origin, near, shapes, a, b, "shapes")
    points = proximity(a.lon, a.lat, b.lon, b.lat, distance_m)
    return ProximityAnswer(origin, near, points, a, b, "points")


def _shapes(dataset: Dataset, located: Locations) -> np.ndarray:
    """Each row's shape (None without one): its lines and polygons as stored, or its point."""
    if not located.shapes:
        present = np.isfinite(located.lon) & np.isfinite(located.lat)
        points = np.full(len(located.lon), None, dtype=object)
        points[present] = shapely.points(located.lon[present], located.lat[present])
        return points
    with _query(dataset) as query:
        found = find_location(
            dataset.slug, column_types(dataset.current_version), query.execute_arrow
        )
        table = query.execute_arrow(
            f"SELECT {quote_ident(found.columns[0])} AS g FROM {quote_ident(dataset.slug)}", []
        )
    shapes: np.ndarray = shapely.from_wkb(
        table.column("g").to_numpy(zero_copy_only=False), on_invalid="ignore"
    )
    return shapes


def save_matches(
    by: Any,
    answer: ProximityAnswer,
    name: str,
    visibility: str | None = None,
    every_row: bool = False,
    add_version: bool = False,
) -> DatasetVersion:
    """The matching rows of ``origin`` with their distance to the nearest ``near`` row, as a new
    dataset ``name``, or a new version of the existing dataset of that name when
    ``add_version`` confirms it. Visible like the narrower of ``origin`` and ``near`` (or
    ``visibility``, if narrower still). With ``every_row``, every row of ``origin`` is kept,
    with its distance to the nearest ``near`` row (empty without a location) and whether it
    is within."""
    origin = answer.origin
    result = answer.result
    chosen, team_id = derived_visibility(by, [origin, answer.near], visibility)
    datasets.check_may_import(by, origin.city, name, chosen, adds_to_existing=add_version)
    check_derived_target(datasets.find_dataset(origin.city, name), [origin, answer.near])
    table = _table(origin)
    extra = {DISTANCE_COLUMN: "decimal"}
    if every_row:
        nearest_m, _nearest_b = result.nearest()
        distances = np.round(nearest_m, 2)
        # No location: no distance (an empty cell, not "nan").
        table = table.append_column(DISTANCE_COLUMN, pa.array(distances, mask=np.isnan(distances)))
        table = table.append_column(WITHIN_COLUMN, pa.array(result.within))
        extra[WITHIN_COLUMN] = "boolean"
        kept = f"Every row of {origin.name}"
    else:
        if len(result.matches) == 0:
            # Say it in words before any file is written: an empty layer would otherwise reach
            # the user as the file writer's "The layer has no features".
            raise ValidationError(
                _(
                    "No row of “%(origin)s” is within %(distance)s m of a row of “%(near)s”: "
                    "there is nothing to save."
                ),
                code="nothing_matched",
                params={
                    "origin": origin.name,
                    "near": answer.near.name,
                    "distance": f"{result.distance_m:g}",
                },
            )
        table = table.take(pa.array(result.matches, pa.int64()))
        table = table.append_column(
            DISTANCE_COLUMN, pa.array(np.round(result.matches_m, 2), pa.float64())
        )
        kept = (
            f"Rows of {origin.name} within {result.distance_m:g} m of a row of {answer.near.name}"
        )
    description = (
        f"{kept}, with the exact distance to the nearest ({DISTANCE_COLUMN}), measured "
        f"{answer.measured}."
    )
    return _import_rows(
        by, origin, name, table, extra, description, chosen, add_version=add_version,
        team_id=team_id, sources=(origin, answer.near),
        source_name=f"{origin.slug} within {result.distance_m:g} m of {answer.near.slug}",
    )  # fmt: skip


def derived_visibility(
    by: Any, sources: list[Dataset], asked: str | None = None
) -> tuple[str, int | None]:
    """The visibility (and team) of rows derived from ``sources``: never wider than the
    narrowest source (nor than ``asked``), and within the city when sharing wider would be
    publishing and ``by`` may not publish (a member saving from network data)."""
    from civiclab.core.permissions import Action, Target, Visibility
    from civiclab.core.scoping import user_can

    narrowest = min(sources, key=lambda d: Visibility(d.visibility).breadth)
    visibility = Visibility(narrowest.visibility)
    teams = {d.team_id for d in sources if d.visibility == Visibility.TEAM}
    if len(teams) > 1:
        raise ValidationError(
            "The rows come from team-only datasets of different teams: they cannot be saved "
            "for one team without showing the other's data."
        )
    if asked is not None and Visibility(asked).breadth < visibility.breadth:
        visibility = Visibility(asked)
    team_id = next(iter(teams), None) if visibility == Visibility.TEAM else None
    if by is None or visibility.breadth <= Visibility.CITY.breadth:
        return visibility.value, team_id
    city = narrowest.city
    target = Target(city.network_id, city.pk, visibility)
    if user_can(by, Action.PUBLISH, target):
        return visibility.value, None
    return Visibility.CITY.value, None


def check_derived_target(target: Dataset | None, sources: list[Dataset]) -> None:
    """Refuse to write rows derived from ``sources`` into an existing dataset shared wider
    than the narrowest of them: its readers would see rows they may not see at the source."""
    from civiclab.core.permissions import Visibility

    if target is None:
        return
    narrowest = min(sources, key=lambda d: Visibility(d.visibility).breadth)
    wider = Visibility(target.visibility).breadth > Visibility(narrowest.visibility).breadth
    other_team = target.visibility == narrowest.visibility == Visibility.TEAM and (
        target.team_id != narrowest.team_id
    )
    if wider or other_team:
        raise WiderThanSource(target, narrowest)


class WiderThanSource(ValidationError):
    """Derived rows would go into a dataset shared wider than a dataset they come from."""

    def __init__(self, target: Dataset, source: Dataset) -> None:
        super().__init__(
            f"{target.name!r} is visible to: {target.visibility}, wider than "
            f"{source.name!r} (visible to: {source.visibility}) whose data it would "
            "get. Rows derived from a dataset are never shared wider than it."
        )
        self.target, self.source = target, source


@dataclass(frozen=True)
class AreaAnswer:
    points: Dataset
    areas: Dataset
    column: str
    assignment: Assignment
    version: DatasetVersion | None

    def as_dict(self) -> dict[str, Any]:
        a = self.assignment
        return {
            "points": self.points.slug,
            "areas": self.areas.slug,
            "column": self.column,
            "inside": a.inside,
            "outside": a.outside,
            "without_location": a.without_location,
            "ambiguous": a.ambiguous,
            "repaired_areas": a.repaired_areas,
            "unusable_areas": a.unusable_areas,
            "version": self.version.number if self.version else None,
        }


def assign_areas_to(
    by: Any, points: Dataset, areas: Dataset, column: str, label: str | None = None
) -> AreaAnswer:
    """Add ``column`` to ``points``: the label of the area of ``areas`` each row lies in, as a
    new version of ``points`` (usable as an indicator breakdown or equity dimension)."""
    area_columns = column_types(areas.current_version)
    geometry = [name for name, kind in area_columns.items() if kind == "geometry"]
    if not geometry:
        raise ValueError(f"{areas.name!r} has no geometry column: it holds no areas")
    label = label or next(
        (n for n, kind in area_columns.items() if kind in ("text", "category")), None
    )
    if label is None or label not in area_columns:
        raise ValueError(f"name the column of {areas.name!r} that labels each area (--label)")
    if column in column_types(points.current_version):
        raise ValueError(f"{points.name!r} already has a column {column!r}")
    from civiclab.geo.spatial.areas import assign_areas  # shapely's spatial index, on first use

    located = dataset_locations(points)
    shapes = _table(
        areas, f"SELECT {quote_ident(geometry[0])} AS g, CAST({quote_ident(label)} AS VARCHAR) AS l"
    )
    assignment = assign_areas(
        located.lon,
        located.lat,
        shapes.column("g").to_numpy(zero_copy_only=False),
        shapes.column("l").to_pylist(),
    )
    # The request names ``points`` as the dataset to add a version to: that is the
    # confirmation. Its rows get the areas' labels, so the areas must be as visible.
    check_derived_target(points, [areas])
    table = _table(points).append_column(column, pa.array(assignment.labels, pa.string()))
    version = _import_rows(
        by, points, points.name, table, {column: "category"}, points.description,
        points.visibility, add_version=True, source_name=f"{points.slug} in {areas.slug}",
    )  # fmt: skip
    return AreaAnswer(points, areas, column, assignment, version)


def _table(dataset: Dataset, select: str = "SELECT *") -> pa.Table:
    with _query(dataset) as query:
        return query.execute_arrow(f"{select} FROM {quote_ident(dataset.slug)}")


def _import_rows(
    by: Any,
    like: Dataset,
    name: str,
    table: pa.Table,
    extra: dict[str, str],
    description: str,
    visibility: str,
    add_version: bool = False,
    team_id: int | None = None,
    sources: tuple[Dataset, ...] = (),
    source_name: str = "",
) -> DatasetVersion:
    """Save ``table`` (columns of ``like`` plus ``extra``) as a version of dataset ``name``,
    every column with its type: ``like``'s for its own columns, ``extra``'s for the new;
    ``source_name`` says where the rows came from, as a file's name does."""
    options = datasets.ImportOptions(
        visibility=visibility,
        description=description,
        add_version=add_version,
        team_id=team_id,
        sources=sources,
    )
    types = {**column_types(like.current_version), **extra}
    return datasets.import_table(
        by, like.city, name, table, options, types=types, source_name=source_name
    )


def hotspot_report(
    dataset: Dataset,
    resolution: int = 9,
    fdr: float = 0.05,
    keep_far_outside: bool = False,
    boundaries: Any = (),
) -> dict[str, Any]:
    """The hot and cold H3 cells of a dataset's rows (see ``geo.hotspot_report``)."""
    from civiclab.geo.hotspot_report import hotspot_report as report  # it reads locations here

    return report(dataset, resolution, fdr, keep_far_outside, boundaries)


def attach_boundary(by: Any, dataset: Dataset, label_column: str) -> Boundary:
    """Attach a polygon dataset to its city as a boundary layer (city admins)."""
    _check_city_maps(by, dataset)
    kinds = _shape_columns(dataset)
    if label_column not in kinds:
        raise ValidationError(
            {"label_column": _("%(name)s has no column %(column)s.")
             % {"name": repr(dataset.name), "column": repr(label_column)}}
        )  # fmt: skip
    boundary, _created = Boundary.objects.update_or_create(
        city=dataset.city, dataset=dataset, defaults={"label_column": label_column}
    )
    record(by, "boundary.attach", boundary, city=dataset.city, label_column=label_column)
    return boundary


def detach_boundary(by: Any, boundary: Boundary) -> None:
    """Take a boundary layer off its city's maps (city admins); the dataset stays."""
    _check_city_maps(by, boundary.dataset)
    record(by, "boundary.detach", boundary, city=boundary.city, dataset=boundary.dataset.slug)
    boundary.delete()


def mark_base_layer(by: Any, dataset: Dataset) -> BaseLayer:
    """Draw ``dataset``'s shapes (streets, parcels, neighbourhoods) under the data of every map
    of its city (city admins). Only people who may see the dataset see it drawn."""
    _check_city_maps(by, dataset)
    _shape_columns(dataset)
    layer, created = BaseLayer.objects.get_or_create(city=dataset.city, dataset=dataset)
    if created:
        record(by, "baselayer.mark", layer, city=dataset.city, dataset=dataset.slug)
    return layer


def unmark_base_layer(by: Any, dataset: Dataset) -> None:
    """No longer draw ``dataset`` under the city's maps (city admins); the dataset stays."""
    _check_city_maps(by, dataset)
    layer = BaseLayer.objects.filter(city=dataset.city, dataset=dataset).first()
    if layer is not None:
        record(by, "baselayer.unmark", layer, city=dataset.city, dataset=dataset.slug)
        layer.delete()


def _check_city_maps(by: Any, dataset: Dataset) -> None:
    """What a city's maps draw for everyone is the city admins' to choose, among the datasets
    they may see themselves (``by=None``: the command line)."""
    from civiclab.core.permissions import ADMIN_POLICY, Action
    from civiclab.core.services import check

    check(by, Action.EDIT, dataset.city, ADMIN_POLICY, CITY_FIELDS)
    if by is not None and not visible_datasets(by).filter(pk=dataset.pk).exists():
        raise PermissionDenied("the dataset is not visible to you")


def _shape_columns(dataset: Dataset) -> dict[str, str]:
    """The column types of ``dataset``'s current version, which must hold a geometry."""
    if dataset.current_version is None:
        raise ValidationError({"dataset": _("%(name)s has no data yet.") % {"name": dataset.name}})
    kinds = column_types(dataset.current_version)
    if "geometry" not in kinds.values():
        raise ValidationError(
            {"dataset": _("%(name)s has no shapes (no geometry column): import it from a "
                          "GeoJSON, GeoPackage or zipped Shapefile.") % {"name": dataset.name}}
        )  # fmt: skip
    return kinds
