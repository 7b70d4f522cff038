"""``civiclab geo proximity``: rows of one dataset within a distance of another's."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from civiclab.core.management.output import ResultCommand
from civiclab.datasets.engine import QueryError
from civiclab.datasets.ingest.report import IngestError
from civiclab.datasets.models import Dataset
from civiclab.datasets.services import NameTaken, find_dataset
from civiclab.geo.models import Boundary
from civiclab.geo.services import (
    assign_areas_to,
    attach_boundary,
    hotspot_report,
    proximity_between,
    save_matches,
)
from civiclab.geo.spatial.coordinates import NoLocation
from civiclab.geo.spatial.units import parse_distance
from civiclab.network.models import City


class Command(ResultCommand):
    help = "Spatial questions over a city's datasets."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        near = sub.add_parser(
            "proximity", help="count the rows of one dataset within a distance of another's"
        )
        near.add_argument("--city", required=True, help="city slug")
        near.add_argument("--from", dest="origin", required=True, help="dataset whose rows count")
        near.add_argument("--near", required=True, help="dataset they must be near")
        near.add_argument(
            "--distance", required=True, help="with its unit (m, km, ft, mi, yd): 150ft, 0.5km"
        )
        near.add_argument(
            "--method",
            choices=["shapes", "points"],
            default="shapes",
            help="shapes: between the rows' shapes, edge to edge (default); points: between "
            "one point per row (a point inside each shape)",
        )
        near.add_argument("--save", metavar="NAME", help="save the matching rows as a dataset")
        near.add_argument(
            "--every-row",
            action="store_true",
            help="with --save: keep every row, with its distance to the nearest and 'within'",
        )
        near.add_argument(
            "--add-version",
            action="store_true",
            help="with --save: add a new version to the existing dataset of that name",
        )
        near.add_argument("--json", action="store_true", help="print the result as JSON")
        assign = sub.add_parser(
            "assign", help="add a column naming the area (neighbourhood, district…) of each row"
        )
        assign.add_argument("--city", required=True, help="city slug")
        assign.add_argument("--points", required=True, help="dataset whose rows get the column")
        assign.add_argument("--areas", required=True, help="dataset of polygons")
        assign.add_argument("--column", required=True, help="name of the new column")
        assign.add_argument("--label", help="column of the areas naming each (default: first text)")
        assign.add_argument("--json", action="store_true", help="print the result as JSON")
        edge = sub.add_parser("boundary", help="attach a polygon dataset to the city's maps")
        edge.add_argument("--city", required=True, help="city slug")
        edge.add_argument("--dataset", required=True, help="dataset of polygons")
        edge.add_argument("--label", required=True, help="column naming each area")
        edge.add_argument("--json", action="store_true", help="print the result as JSON")
        hot = sub.add_parser("hotspots", help="Getis–Ord Gi* hot and cold spots on H3 cells")
        hot.add_argument("--city", required=True, help="city slug")
        hot.add_argument("--dataset", required=True, help="dataset of located rows")
        hot.add_argument("--resolution", type=int, default=9, help="H3 resolution (default 9)")
        hot.add_argument("--fdr", type=float, default=0.05, help="false discovery rate")
        hot.add_argument(
            "--keep-far-outside",
            action="store_true",
            help="keep the rows far outside the city in the study area (left out by default)",
        )
        hot.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        city = City.objects.filter(slug=options["city"]).first()
        if city is None:
            raise CommandError(f"no city with slug {options['city']!r}")
        try:
            if options["action"] == "assign":
                return self.assign(city, options)
            if options["action"] == "hotspots":
                return self.hotspots(city, options)
            if options["action"] == "boundary":
                return self.boundary(city, options)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except (NoLocation, QueryError, IngestError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        try:
            distance = parse_distance(options["distance"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        origin, near = _dataset(city, options["origin"]), _dataset(city, options["near"])
        try:
            answer = proximity_between(origin, near, distance, options["method"])
            result = answer.as_dict()
            if options["save"]:
                version = save_matches(
                    None,
                    answer,
                    options["save"],
                    every_row=options["every_row"],
                    add_version=options["add_version"],
                )
                result["saved"] = {"dataset": version.dataset.slug, "version": version.number}
        except NameTaken as exc:
            raise CommandError(f"{exc.message} (--add-version)") from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except (NoLocation, QueryError, IngestError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        lines = [
            f"{result['count']:,} of {result['total']:,} rows of {origin.slug} lie within "
            f"{options['distance']} ({distance:,.1f} m) of a row of {near.slug}, measured "
            f"{answer.measured}",
            f"projection {result['projection']}; {origin.slug} located by "
            f"{result['from_located_by']}, {near.slug} by {result['near_located_by']}",
        ]
        for key, label in (
            ("from_without_location", origin.slug),
            ("near_without_location", near.slug),
        ):
            if result[key]:
                lines.append(
                    f"{result[key]:,} rows of {label} have no location and were not counted"
                )
        for key, label in (("from_far_outside", origin.slug), ("near_far_outside", near.slug)):
            if result[key]:
                lines.append(
                    f"{result[key]:,} rows of {label} lie far outside the city "
                    "(placeholder coordinates?) and were counted all the same"
                )
        if "saved" in result:
            saved = result["saved"]
            lines.append(f"saved as {saved['dataset']} version {saved['version']}")
        self.emit(options, result, "\n".join(lines))

    def assign(self, city: City, options: dict[str, Any]) -> None:
        points, areas = _dataset(city, options["points"]), _dataset(city, options["areas"])
        answer = assign_areas_to(None, points, areas, options["column"], options["label"])
        result = answer.as_dict()
        lines = [
            f"{result['inside']:,} rows of {points.slug} lie in an area of {areas.slug}; "
            f"{result['outside']:,} in none; {result['without_location']:,} have no location",
            f"column {options['column']!r} added: {points.slug} version {result['version']}",
        ]
        if result["ambiguous"]:
            lines.append(f"{result['ambiguous']:,} rows lie in two areas: the first was taken")
        if result["repaired_areas"] or result["unusable_areas"]:
            lines.append(
                f"{result['repaired_areas']:,} invalid areas repaired, "
                f"{result['unusable_areas']:,} empty or unreadable ones skipped"
            )
        self.emit(options, result, "\n".join(lines))

    def hotspots(self, city: City, options: dict[str, Any]) -> None:
        dataset = _dataset(city, options["dataset"])
        boundaries = Boundary.objects.filter(city=city).select_related("dataset__current_version")
        result = hotspot_report(
            dataset, options["resolution"], options["fdr"], options["keep_far_outside"],
            boundaries,
        )  # fmt: skip
        spots = result["hotspots"]  # hottest first, then coldest
        hot = sum(1 for s in spots if s["kind"] == "hot")
        lines = [
            f"{hot} hot and {len(spots) - hot} cold cells of {result['cells']:,} (H3 resolution "
            f"{result['resolution']}, false discovery rate {result['fdr']:g})",
            *(
                f"  {s['kind']:<4} {s['label']}  rows={s['count']:,}  "
                f"with neighbours={s['rows_around']:,}  z={s['z']:.2f}  [{s['cell']}]"
                for s in spots
            ),
        ]
        if result["without_location"]:
            lines.append(f"{result['without_location']:,} rows have no location")
        if result["far_outside"]:
            far_km = result["far_radius_m"] / 1000
            lines.append(
                f"{result['far_outside']:,} rows lie far outside the city (more than "
                f"{far_km:,.1f} km from the middle of the rows): "
                + ("kept" if result["far_outside_kept"] else "left out (--keep-far-outside)")
            )
        if any(s["kind"] == "hot" and not s["count"] for s in spots):
            lines.append(
                "a hot cell with rows=0 is hot for its neighbours: Gi* weighs each cell "
                "with its six neighbours"
            )
        self.emit(options, result, "\n".join(lines))

    def boundary(self, city: City, options: dict[str, Any]) -> None:
        dataset = _dataset(city, options["dataset"])
        try:
            attached = attach_boundary(None, dataset, options["label"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        result = {"city": city.slug, "dataset": dataset.slug, "label": attached.label_column}
        text = (
            f"{dataset.slug} is a boundary layer of {city.slug}, "
            f"areas named by {attached.label_column!r}"
        )
        self.emit(options, result, text)


def _dataset(city: City, name: str) -> Dataset:
    dataset = find_dataset(city, name)
    if dataset is None or dataset.current_version is None:
        raise CommandError(f"{city.slug} has no dataset {name!r} with data")
    return dataset
