from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from civiclab.core.management.output import ResultCommand, command_error
from civiclab.network import services
from civiclab.network.models import City, Network


def city_summary(city: City) -> dict[str, Any]:
    return {
        "slug": city.slug,
        "name": city.name,
        "country": city.country,
        "region": city.region,
        "population": city.population,
        "timezone": city.timezone,
        "default_language": city.default_language,
        "network": city.network.slug,
    }


def resolve_network(slug: str | None) -> Network:
    if slug:
        network = Network.objects.filter(slug=slug).first()
        if network is None:
            raise CommandError(f"no network with slug {slug!r}")
        return network
    networks = list(Network.objects.all()[:2])
    if len(networks) == 1:
        return networks[0]
    if not networks:
        return services.create_network("civiclab network", "network")
    raise CommandError("several networks exist: name one with --network SLUG")


class Command(ResultCommand):
    help = "Add or list cities."
    # Django's system checks import the whole URL map and build every API schema (~0.5 s) for
    # a command that reads a few rows: `civiclab check`, `migrate` and `serve` run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="add a city")
        add.add_argument("slug")
        add.add_argument("--name", required=True)
        add.add_argument("--country", required=True, help="ISO 3166 two-letter code, e.g. US")
        add.add_argument("--region", default="")
        add.add_argument("--population", type=int)
        add.add_argument("--timezone", default="UTC")
        add.add_argument("--language", default="en", choices=["en", "fr"])
        add.add_argument("--network", help="network slug (default: the only network)")
        add.add_argument("--json", action="store_true", help="print the result as JSON")
        listing = sub.add_parser("list", help="list cities")
        listing.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            cities = [city_summary(c) for c in City.objects.select_related("network")]
            text = "\n".join(f"{c['slug']:<20} {c['name']} ({c['country']})" for c in cities)
            self.emit(options, cities, text or "no cities yet")
            return
        if City.objects.filter(slug=options["slug"]).exists():
            raise CommandError(f"a city with slug {options['slug']!r} already exists")
        try:
            city = services.create_city(
                services.SYSTEM,
                resolve_network(options["network"]),
                slug=options["slug"],
                name=options["name"],
                country=options["country"].upper(),
                region=options["region"],
                population=options["population"],
                timezone=options["timezone"],
                default_language=options["language"],
            )
        except ValidationError as exc:
            raise command_error(exc) from None
        self.emit(options, city_summary(city), f"added city {city.slug} ({city.name})")
