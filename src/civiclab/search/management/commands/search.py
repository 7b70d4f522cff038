"""``civiclab search``: rebuild the site search's index, or search as someone.

civiclab search reindex [--json]
civiclab search find QUERY [--as EMAIL] [--json]
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser

from civiclab.core.management.output import ResultCommand
from civiclab.search import index, queries


class Command(ResultCommand):
    help = (
        "Site search: rebuild the header search's index (after a restore or a city's "
        "rename), or search as a person."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        reindex = sub.add_parser("reindex", help="rebuild the index from every object")
        reindex.add_argument("--json", action="store_true", help="print the result as JSON")
        find = sub.add_parser("find", help="what a person (or a visitor) finds for QUERY")
        find.add_argument("query", help=f"words to find (at most {queries.QUERY_LIMIT} characters)")
        find.add_argument("--as", dest="as_email", default="", help="search as this person")
        find.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "reindex":
            counts = index.reindex_all()
            text = "indexed: " + ", ".join(f"{n} {kind}" for kind, n in counts.items())
            self.emit(options, counts, text)
            return
        user = None
        if options["as_email"]:
            user = get_user_model().objects.filter(email__iexact=options["as_email"]).first()
            if user is None:
                raise CommandError(f"no person with the email {options['as_email']}")
        try:
            results = queries.search(user, options["query"])
        except queries.SearchError as exc:
            raise CommandError(str(exc)) from exc
        from civiclab.search.schemas import results_out

        lines = []
        for group in results.found:
            lines.append(f"{group.label} ({group.count})")
            lines += [f"  {hit.title}  {hit.city}  {hit.url}" for hit in group.hits]
        self.emit(options, results_out(results), "\n".join(lines) or "nothing found")
