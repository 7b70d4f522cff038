"""``civiclab challenge export ID`` and ``civiclab challenge import FILE --city SLUG``: move a
whole challenge between installations as one JSON document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from civiclab.core.management.output import ResultCommand, command_error
from civiclab.network.models import City, Team
from civiclab.portfolio.models import Challenge
from civiclab.portfolio.transfer import export_challenge, import_challenge


class Command(ResultCommand):
    help = "Export a challenge with everything in it as JSON, or import such a document."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write a challenge as one JSON document")
        export.add_argument("id", type=int, help="the challenge's id")
        export.add_argument("--output", type=Path, help="write to this file (default: stdout)")
        load = sub.add_parser("import", help="create a challenge from an exported document")
        load.add_argument("file", type=Path, help="the JSON document")
        load.add_argument("--city", required=True, help="slug of the city that receives it")
        load.add_argument("--team", help="slug of a team of the city to give it to")
        load.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "export":
            self._export(options)
        else:
            self._import(options)

    def _export(self, options: dict[str, Any]) -> None:
        challenge = Challenge.objects.filter(pk=options["id"]).first()
        if challenge is None:
            raise CommandError(f"no challenge with id {options['id']}")
        text = json.dumps(export_challenge(challenge), indent=2, ensure_ascii=False)
        if options["output"]:
            options["output"].write_text(text + "\n", encoding="utf-8")
            self.stderr.write(f"wrote {options['output']}")
        else:
            self.stdout.write(text)

    def _import(self, options: dict[str, Any]) -> None:
        try:
            document = json.loads(options["file"].read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"cannot read {options['file']}: {exc}") from None
        city = City.objects.filter(slug=options["city"]).first()
        if city is None:
            raise CommandError(f"no city with slug {options['city']!r}")
        team = None
        if options["team"]:
            team = Team.objects.filter(city=city, slug=options["team"]).first()
            if team is None:
                raise CommandError(f"{city.slug} has no team {options['team']!r}")
        try:
            result = import_challenge(None, city, document, team=team)
        except ValidationError as exc:
            raise command_error(exc) from None
        challenge = result.challenge
        summary = {
            "id": challenge.pk,
            "title": challenge.title,
            "city": city.slug,
            "warnings": result.warnings,
        }
        lines = [f"imported challenge {challenge.pk} {challenge.title!r} into {city.slug}"]
        lines += [f"warning: {w}" for w in result.warnings]
        self.emit(options, summary, "\n".join(lines))
