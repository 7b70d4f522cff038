"""``civiclab exchange``: search the case library, find what is similar, recompute embeddings.

    civiclab exchange search QUERY [--as EMAIL] [--json]
    civiclab exchange similar (--challenge ID | --text TEXT) [--as EMAIL] [--json]
    civiclab exchange reembed [--json]

With ``--json`` search and similar print a ranked list of objects with at least ``kind``,
``id``, ``city``, ``title``, ``language``, ``score`` and ``why``. Each sub-command's work is in
``exchange/commands/`` (its parser and its run), through the same services and queries as the
pages and the API.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.core.management.base import CommandParser

from civiclab.core.management.output import ResultCommand

# sub-command → the module under exchange/commands/ that declares and runs it.
SUBCOMMANDS = {"search": "library", "similar": "similar", "reembed": "similar"}


class Command(ResultCommand):
    help = (
        "Exchange: search the case library, rank what other cities did that is similar to a "
        "challenge or a text, recompute the stored embeddings."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name, module in SUBCOMMANDS.items():
            import_module(f"civiclab.exchange.commands.{module}").add_parser(sub, name)

    def handle(self, *args: Any, **options: Any) -> None:
        module = import_module(f"civiclab.exchange.commands.{SUBCOMMANDS[options['action']]}")
        result, text = module.run(options["action"], options)
        self.emit(options, result, text)
