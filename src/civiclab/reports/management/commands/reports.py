"""``civiclab reports``: review packs, key facts, nudges, briefs.

    civiclab reports pack --team SLUG [--pdf FILE] [--json]
    civiclab reports keyfacts [--json]
    civiclab reports attention --as EMAIL [--city SLUG] [--json]

Each sub-command's work is in ``reports/commands/`` (its parser and its run), through the same
services and queries as the pages and the API.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.core.management.base import CommandParser

from civiclab.core.management.output import ResultCommand

# sub-command → the module under reports/commands/ that declares and runs it.
SUBCOMMANDS: dict[str, str] = {
    "pack": "packs",
    "keyfacts": "keyfacts",
    "nudge": "nudges",
    "brief": "public",
    "attention": "dashboard",
}


class Command(ResultCommand):
    help = (
        "Delivery and impact: prepare a team's review pack (as PDF), print the network's key "
        "facts, send the nudges that are due, render a solution's results brief."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name, module in SUBCOMMANDS.items():
            import_module(f"civiclab.reports.commands.{module}").add_parser(sub, name)

    def handle(self, *args: Any, **options: Any) -> None:
        module = import_module(f"civiclab.reports.commands.{SUBCOMMANDS[options['action']]}")
        result, text = module.run(options["action"], options)
        self.emit(options, result, text)
