"""``civiclab indicator eval SPEC.json --city SLUG``: compute an indicator's series."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from civiclab.core.management.output import ResultCommand
from civiclab.datasets.engine import QueryError
from civiclab.datasets.filters.language import SpecError
from civiclab.datasets.queries import column_types, version_query
from civiclab.datasets.services import find_dataset
from civiclab.indicators.engine.compile import compile_spec
from civiclab.indicators.engine.evaluate import evaluate
from civiclab.indicators.engine.spec import indicator_json_schema, parse_spec
from civiclab.indicators.services import grid_limits
from civiclab.network.models import City


class Command(ResultCommand):
    help = "Evaluate an indicator spec over a city's dataset, or print the spec's JSON Schema."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("eval", help="print the indicator's series")
        run.add_argument("spec", type=Path, help="the spec, a JSON file")
        run.add_argument("--city", required=True, help="city slug")
        run.add_argument("--sql", action="store_true", help="also print the query")
        run.add_argument("--json", action="store_true", help="print the result as JSON")
        schema = sub.add_parser("schema", help="print the JSON Schema of indicator specs")
        schema.add_argument("--json", action="store_true", help="(the schema is JSON anyway)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "schema":
            self.stdout.write(json.dumps(indicator_json_schema(), indent=2))
            return
        try:
            document = json.loads(options["spec"].read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"cannot read the spec {options['spec']}: {exc}") from None
        try:
            spec = parse_spec(document)
        except SpecError as exc:
            raise CommandError(f"the spec is not valid: {exc}") from None
        city = City.objects.filter(slug=options["city"]).first()
        if city is None:
            raise CommandError(f"no city with slug {options['city']!r}")
        dataset = find_dataset(city, spec.dataset)
        if dataset is None or dataset.current_version is None:
            raise CommandError(f"{city.slug} has no dataset {spec.dataset!r} with data")
        version = dataset.current_version
        columns = column_types(version)
        try:
            with version_query(version, spec.dataset) as query:
                points = evaluate(
                    spec,
                    columns,
                    city.timezone,
                    query.execute_arrow,
                    population=city.population,
                    limits=grid_limits(),
                )
        except (SpecError, QueryError) as exc:
            raise CommandError(str(exc)) from None
        grouped = spec.breakdown is not None
        series = [p.as_dict(grouped) for p in points]
        lines = [
            f"{p['period'] or 'all':<10} "
            f"{'(other groups)' if p.get('other') else p.get('group') or '':<24} "
            f"{_number(p['value']):>14}  n={p['n']:,}"
            for p in series
        ]
        if options["sql"]:
            query_text = compile_spec(spec, columns, city.timezone, population=city.population)
            lines = [query_text.shown(), "", *lines]
        self.emit(options, series, "\n".join(lines))


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"
