"""``civiclab exchange search QUERY [--as EMAIL] [--filter FACET=VALUE]… [--limit N] [--json]``.

The library searched as a reader sees it: with ``--as``, as that person (their city's and
their network's published cases); without, as an anonymous visitor (public cases only) —
never a draft or another city's case they could not see. With ``--json``, the ranked list the
API's ``items`` holds: ``kind`` ("case"), ``id``, ``city``, ``title``, ``language``, ``score``,
``why`` (the words matched and the fields they are in)…
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from civiclab.core.errors import DomainError
from civiclab.exchange.queries import library
from civiclab.exchange.schemas.library import item_of


def add_parser(sub: Any, name: str) -> None:
    parser = sub.add_parser(
        name, help="search the case library (any of the words, accents and inflections ignored)"
    )
    parser.add_argument("query", help="the words to find")
    parser.add_argument(
        "--as", dest="as_email", metavar="EMAIL", help="search as this person (default: anonymous)"
    )
    parser.add_argument(
        "--filter",
        dest="filters",
        action="append",
        default=[],
        metavar="FACET=VALUE",
        help=f"keep only cases with this value ({', '.join(library.FACETS)}); repeatable",
    )
    parser.add_argument("--limit", type=int, default=20, help=f"results, 1 to {library.PAGE_LIMIT}")
    parser.add_argument("--language", default="en", choices=("en", "fr"), help="titles in")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def _reader(email: str | None) -> Any:
    if not email:
        return None
    from civiclab.accounts.models import User

    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        raise CommandError(f"No person with the email {email!r}.")
    return user


def _filters(pairs: list[str]) -> library.LibraryFilters:
    filters = library.LibraryFilters()
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or name not in library.FACETS or not value:
            raise CommandError(
                f"--filter {pair!r}: FACET=VALUE, FACET one of {', '.join(library.FACETS)}."
            )
        getattr(filters, name).append(value)
    return filters


def run(action: str, options: dict[str, Any]) -> tuple[Any, str]:
    reader = _reader(options.get("as_email"))
    limit = 20 if options.get("limit") is None else int(options["limit"])
    if not 1 <= limit <= library.PAGE_LIMIT:
        raise CommandError(f"--limit is 1 to {library.PAGE_LIMIT}.")
    try:
        page = library.search(
            reader,
            options["query"],
            _filters(options.get("filters") or []),
            limit=limit,
            language=options.get("language") or "en",
        )
    except DomainError as exc:
        raise CommandError(str(exc)) from exc
    items = [item_of(hit) for hit in page.hits]
    lines = [f"{page.total} cases match; the first {len(items)}:"]
    for item in items:
        lines.append(
            f"{item['id']:>8}  {item['score']:>9.4f}  {item['language']}  "
            f"{item['city_name'][:20]:<20}  {item['title'][:70]}"
        )
        if item["why"]["words"]:
            lines.append(
                f"{'':10}{', '.join(item['why']['words'])} — {', '.join(item['why']['fields'])}"
            )
    return items, "\n".join(lines)
