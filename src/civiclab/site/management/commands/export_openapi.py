"""Write the API's OpenAPI document to the committed copy the tests compare against."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from civiclab.site.api import api

DEFAULT_PATH = Path("tests/data/openapi.json")


class Command(BaseCommand):
    help = "Write the OpenAPI document (default: tests/data/openapi.json)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=DEFAULT_PATH)

    def handle(self, *args: Any, **options: Any) -> None:
        document = api.get_openapi_schema(path_prefix="/api/v1/")
        options["output"].write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
        self.stdout.write(f"wrote {options['output']}")
