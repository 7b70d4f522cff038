"""``civiclab geo proximity``: rows of one dataset within a distance of another's."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from civiclab.core.management.output import ResultCommand
from civiclab.datasets.engine import QueryError
from civiclab.datasets.ingest.report import IngestError
from civiclab.datasets.models import Dataset
from civiclab.datasets.services import find_dataset
from civiclab.geo.coordinates import NoLocation
from civiclab.geo.services import proximity_between, save_matches
from civiclab.geo.units import parse_distance
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
        near.add_argument("--distance", required=True, help="e.g. 150ft, 50m, 0.5km")
        near.add_argument("--save", metavar="NAME", help="save the matching rows as a dataset")
        near.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        city = City.objects.filter(slug=options["city"]).first()
        if city is None:
            raise CommandError(f"no city with slug {options['city']!r}")
        try:
            distance = parse_distance(options["distance"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        origin, near = _dataset(city, options["origin"]), _dataset(city, options["near"])
        try:
            answer = proximity_between(origin, near, distance)
            result = answer.as_dict()
            if options["save"]:
                version = save_matches(None, answer, options["save"])
                result["saved"] = {"dataset": version.dataset.slug, "version": version.number}
        except (NoLocation, QueryError, IngestError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        lines = [
            f"{result['count']:,} of {result['total']:,} rows of {origin.slug} lie within "
            f"{options['distance']} ({distance:,.1f} m) of a row of {near.slug}",
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
        if "saved" in result:
            saved = result["saved"]
            lines.append(f"saved as {saved['dataset']} version {saved['version']}")
        self.emit(options, result, "\n".join(lines))


def _dataset(city: City, name: str) -> Dataset:
    dataset = find_dataset(city, name)
    if dataset is None or dataset.current_version is None:
        raise CommandError(f"{city.slug} has no dataset {name!r} with data")
    return dataset
