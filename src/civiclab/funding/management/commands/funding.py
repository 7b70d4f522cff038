"""``civiclab funding``: import a catalogue file, search the catalogue, match a challenge.

    civiclab funding import FILE [--json]
    civiclab funding search QUERY [--eligible-for CITY] [--json]
    civiclab funding match --challenge ID [--json]
    civiclab funding leveraged (--solution ID | --challenge ID | --city SLUG | --cohort SLUG |
                                --network SLUG) [--as EMAIL] [--json]

Everything runs as the command line (the operator: no permission check; the audit log says
"command line"), through the same services as the pages and the API. Each sub-command's work
is in ``funding/commands/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from civiclab.core.management.output import ResultCommand


class Command(ResultCommand):
    help = (
        "Funding: import a catalogue file (Grants.gov XML extract, search2 JSON, CSV), search "
        "the catalogue, rank opportunities for a challenge, count the funding leveraged."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import a catalogue file (idempotent)")
        imp.add_argument("file", type=Path, help="GrantsDBExtract…v2.zip, .xml, .json or .csv")
        imp.add_argument("--json", action="store_true", help="print the result as JSON")
        search = sub.add_parser("search", help="search the catalogue")
        search.add_argument("query", help="words to search for")
        search.add_argument(
            "--eligible-for", metavar="CITY", help="city slug: only what it may apply to"
        )
        search.add_argument("--limit", type=int, default=20, help="how many (at most 200)")
        search.add_argument("--json", action="store_true", help="print the result as JSON")
        match = sub.add_parser("match", help="opportunities ranked for a challenge")
        match.add_argument("--challenge", type=int, required=True, help="challenge id")
        match.add_argument("--limit", type=int, default=20, help="how many (at most 200)")
        match.add_argument("--json", action="store_true", help="print the result as JSON")
        leveraged = sub.add_parser(
            "leveraged", help="funding leveraged: awards and match funds of awarded applications"
        )
        where = leveraged.add_mutually_exclusive_group(required=True)
        where.add_argument("--solution", type=int, metavar="ID", help="a solution's")
        where.add_argument("--challenge", type=int, metavar="ID", help="a challenge's")
        where.add_argument("--city", metavar="SLUG", help="a city's")
        where.add_argument("--cohort", metavar="SLUG", help="a cohort's cities'")
        where.add_argument("--network", metavar="SLUG", help="a network's cities'")
        leveraged.add_argument(
            "--as", dest="as_email", metavar="EMAIL", help="count only what this person may see"
        )
        leveraged.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "import":
            from civiclab.funding.commands.catalogue import run_import

            result, text = run_import(options)
        elif action == "search":
            from civiclab.funding.commands.search import run_search

            result, text = run_search(options)
        elif action == "match":
            from civiclab.funding.commands.search import run_match

            result, text = run_match(options)
        else:
            from civiclab.funding.commands.pipeline import run_leveraged

            result, text = run_leveraged(options)
        self.emit(options, result, text)
